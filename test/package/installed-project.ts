import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../fixtures/zart-process.ts'

interface LockEntry {
  version: string
  dev?: boolean
  devOptional?: boolean
  optional?: boolean
  [key: string]: unknown
}

/**
 * Packs the checkout (`npm pack` runs `prepack`, the build) into `dir` and returns the
 * tarball's path.
 */
export function packTarball(dir: string): string {
  execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' })
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  if (!tarball) throw new Error(`npm pack left no tarball in ${dir}`)
  return join(dir, tarball)
}

/**
 * Installs `tarball` into a new project at `dir`, offline, as `npm install zart` would,
 * and returns the project's folder.
 *
 * Offline, npm cannot resolve version ranges: `npm ci` (in the checkout, or .ci/run)
 * caches tarballs but not the registry documents that resolving needs. So the project
 * gets a lockfile naming the exact versions of the checkout's own lockfile, whose
 * tarballs the cache holds. Install scripts are skipped and better-sqlite3's native
 * module, already built for this Node in the checkout, is copied in: building it again
 * from source would take a minute or two.
 */
export function installProject(dir: string, tarball: string, manifest: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true })
  const zart = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
  const checkoutLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>
  }
  const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim().replace(/\/$/, '')

  const dependencies = { zart: `file:${tarball}` }
  const packages: Record<string, unknown> = {
    '': { name: manifest.name, dependencies },
    'node_modules/zart': {
      version: zart.version,
      resolved: `file:${tarball}`,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      dependencies: zart.dependencies,
      optionalDependencies: zart.optionalDependencies,
      peerDependencies: zart.peerDependencies,
      bin: zart.bin,
    },
  }
  for (const [path, entry] of Object.entries(checkoutLock.packages)) {
    if (path === '' || entry.dev) continue
    const { devOptional, ...rest } = entry
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    packages[path] = {
      ...rest,
      ...(devOptional && { optional: true }),
      resolved: `${registry}/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`,
    }
  }

  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, dependencies }, null, 2))
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ name: manifest.name, lockfileVersion: 3, requires: true, packages }, null, 2),
  )
  execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, stdio: 'pipe' })

  const release = join('node_modules', 'better-sqlite3', 'build', 'Release')
  mkdirSync(join(dir, release), { recursive: true })
  copyFileSync(join(ROOT, release, 'better_sqlite3.node'), join(dir, release, 'better_sqlite3.node'))
  return dir
}
