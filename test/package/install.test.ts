/**
 * The package as a user gets it: `npm pack`, installed offline into a project of its own,
 * run there by plain `node` and `npx zart`, with a TypeScript workflow and no build step.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HELLO_WORKFLOW } from '../../src/cli/commands/init.ts'
import { ROOT } from '../fixtures/zart-process.ts'
import { installProject, packTarball } from './installed-project.ts'

const root = mkdtempSync(join(tmpdir(), 'zart-package-'))
const project = join(root, 'project')
const db = `sqlite:${join(root, 'zart.db')}`

function environment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const key of Object.keys(env)) if (key.startsWith('ZART_')) delete env[key]
  return { ...env, ZART_HOME: join(root, 'home'), ZART_LOG_LEVEL: 'warn' }
}

/** Runs a command in the project, as a user would type it there. */
function run(command: string, args: readonly string[]) {
  const result = spawnSync(command, args, { cwd: project, env: environment(), encoding: 'utf8', timeout: 30_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

const zart = (...args: string[]) => run('npx', ['zart', ...args])

beforeAll(() => {
  const tarball = packTarball(root)
  // What `npm init -y` makes: a CommonJS package.
  installProject(project, tarball, { name: 'project', version: '1.0.0', main: 'index.js' })
  mkdirSync(join(project, 'workflows'))
  writeFileSync(join(project, 'workflows', 'hello.ts'), HELLO_WORKFLOW)
}, 120_000)

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the packed package, installed in a project of its own', () => {
  it('ships compiled JavaScript with types, and neither sources nor tests', () => {
    const files = run('find', ['node_modules/zart', '-type', 'f']).stdout
    expect(files).toContain('node_modules/zart/dist/index.js')
    expect(files).toContain('node_modules/zart/dist/index.d.ts')
    expect(files).toContain('node_modules/zart/dist/testing/index.js')
    expect(files).toContain('node_modules/zart/dist/examples/data-pipeline.js')
    // The dashboard's static files, which `zart serve` serves from beside its compiled code.
    expect(files).toContain('node_modules/zart/dist/http/dashboard/public/index.html')
    expect(files).toContain('node_modules/zart/migrations/')
    expect(files).not.toMatch(/node_modules\/zart\/(src|test)\//)
  })

  it('runs `npx zart --version`', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(zart('--version')).toMatchObject({ code: 0, stdout: `${version}\n` })
  })

  it('tells a CommonJS project what to change instead of printing a loader error', () => {
    const result = zart('workflows')
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('its package is CommonJS')
    expect(result.stderr).toContain('add "type": "module"')
    expect(result.stderr).not.toMatch(/require|\n\s+at /)
  })

  it('`zart init` makes it ESM, keeps its fields and its workflow, and says how to attach an agent', () => {
    const result = zart('init')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('claude mcp add zart -- npx zart mcp')
    expect(result.stdout).toContain('"mcpServers"')
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, unknown>
    expect(manifest).toMatchObject({ name: 'project', main: 'index.js', type: 'module' })
    expect(manifest.dependencies).toHaveProperty('zart')
  })

  it('runs a TypeScript workflow through the CLI, catching zart errors with instanceof', async () => {
    expect(zart('--db', db, 'schedule', 'hello', '--id', 'hello-1', '--data', '{"reply_within":"1s"}').code).toBe(0)
    // Started without npx, so that the signal reaches the worker itself.
    const bin = join(project, 'node_modules', 'zart', 'bin', 'zart.js')
    const worker = spawn(process.execPath, [bin, '--db', db, 'worker'], {
      cwd: project,
      env: environment(),
      stdio: 'ignore',
    })
    try {
      const waited = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('npx', ['zart', '--db', db, 'wait', 'hello-1', '--timeout', '30'], {
          cwd: project,
          env: environment(),
        })
        let stdout = ''
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
        child.on('close', (code) => resolve({ code, stdout }))
      })
      expect(waited.code).toBe(0)
      // The wait timed out; hello.ts caught the EventTimeoutError by instanceof and returned.
      expect(JSON.parse(waited.stdout)).toMatchObject({
        status: 'completed',
        output: { greeting: 'Hello, world!', reply: null },
      })
    } finally {
      worker.kill('SIGTERM')
    }
  })

  it('imports from plain node: createZart runs a workflow, errors are zart classes', () => {
    writeFileSync(
      join(project, 'run.js'),
      `import { createZart, defineWorkflow, ZartError } from 'zart'
const double = defineWorkflow({ name: 'double' }, async (ctx, input) => ({ twice: await ctx.step('double', () => input.n * 2) }))
const zart = await createZart({ db: ${JSON.stringify(db.replace('zart.db', 'plain.db'))}, workflows: [double] })
const { execution_id } = await zart.schedule('double', { n: 21 })
await zart.drain()
const { status, output } = await zart.status(execution_id)
const unknown = await zart.status('nope').catch((error) => error)
await zart.close()
console.log(JSON.stringify({ status, output, zartError: unknown instanceof ZartError, code: unknown.code }))
`,
    )
    const result = run(process.execPath, ['run.js'])
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toEqual({
      status: 'completed',
      output: { twice: 42 },
      zartError: true,
      code: 'EXECUTION_NOT_FOUND',
    })
  })

  it('gives TypeScript users the types', () => {
    writeFileSync(
      join(project, 'typed.ts'),
      `import { createZart, type ExecutionView } from 'zart'
export async function statusOf(id: string): Promise<ExecutionView['status']> {
  const zart = await createZart({ db: 'sqlite::memory:' })
  // @ts-expect-error status takes an id string, so the types are real, not any
  await zart.status(42)
  return (await zart.status(id)).status
}
`,
    )
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const result = run(process.execPath, [
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--typeRoots',
      join(ROOT, 'node_modules', '@types'),
      '--types',
      'node',
      'typed.ts',
    ])
    expect(result.stdout + result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})
