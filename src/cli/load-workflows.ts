import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, delimiter, dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ZartError } from '../errors.ts'
import { toWorkflowDefinition, type WorkflowDefinition } from '../engine/workflow.ts'

/** True when this file runs as compiled JavaScript (an installed package), not from src/. */
const COMPILED = import.meta.url.endsWith('.js')

/**
 * The example workflows shipped with zart, used when nothing else is configured: the
 * TypeScript sources in a checkout, their compiled copies (dist/examples/) in a package.
 */
export const BUNDLED_WORKFLOWS = fileURLToPath(new URL(COMPILED ? '../examples/' : '../../workflows/', import.meta.url))

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs'])

/**
 * Where workflows come from, first match wins: the `--workflows` flags, `ZART_WORKFLOWS`
 * (a path list with the OS delimiter), `./workflows` when it exists, the bundled examples.
 */
export function workflowPaths(flags: readonly string[], env: NodeJS.ProcessEnv, cwd: string): string[] {
  if (flags.length > 0) return flags.map((p) => resolve(cwd, p))
  const fromEnv = (env.ZART_WORKFLOWS ?? '').split(delimiter).filter((p) => p.trim() !== '')
  if (fromEnv.length > 0) return fromEnv.map((p) => resolve(cwd, p))
  const local = resolve(cwd, 'workflows')
  if (existsSync(local) && statSync(local).isDirectory()) return [local]
  return [BUNDLED_WORKFLOWS]
}

/**
 * Imports every module at `paths` (files, or the `.ts`/`.js` files directly in a folder)
 * and returns each export that is a workflow: `defineWorkflow` results, TaskHandler
 * instances and TaskHandler classes. TypeScript files need no build step: see
 * {@link prepareTypeScript}.
 */
export async function loadWorkflows(paths: readonly string[]): Promise<WorkflowDefinition[]> {
  const found = new Map<string, { definition: WorkflowDefinition; file: string }>()
  for (const path of paths) {
    const explicitFile = isFile(path)
    for (const file of explicitFile ? [path] : moduleFiles(path)) {
      const definitions = await importWorkflows(file)
      if (explicitFile && definitions.length === 0) {
        throw new ZartError(
          'INVALID_INPUT',
          `${file} exports no workflow: export defineWorkflow(...) results or TaskHandler classes`,
        )
      }
      for (const definition of definitions) {
        const seen = found.get(definition.name)
        if (seen && seen.file !== file) {
          throw new ZartError(
            'INVALID_INPUT',
            `two workflows are named "${definition.name}" (in ${seen.file} and ${file}): rename one, or load only one of the files`,
          )
        }
        if (!seen) found.set(definition.name, { definition, file })
      }
    }
  }
  return [...found.values()].map((f) => f.definition)
}

function isFile(path: string): boolean {
  let stats
  try {
    stats = statSync(path)
  } catch {
    throw new ZartError(
      'INVALID_INPUT',
      `workflows path ${path} does not exist: pass --workflows with a file or folder of .ts/.js modules`,
    )
  }
  return stats.isFile()
}

/** Module files directly in `dir`; tests, type declarations and `_private` files are skipped. */
function moduleFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => MODULE_EXTENSIONS.has(extname(name)))
    .filter((name) => !name.startsWith('_') && !name.startsWith('.') && !/\.(d|test|spec)\.[mc]?[jt]s$/.test(name))
    .sort()
    .map((name) => join(dir, name))
}

async function importWorkflows(file: string): Promise<WorkflowDefinition[]> {
  // A .ts file in a CommonJS package fails under tsx (Node 20) and loads with a warning
  // where Node strips types: refused on every Node alike, before the loader's own error.
  const commonJs = commonJsPackage(file)
  const refuse = () =>
    new ZartError(
      'INVALID_INPUT',
      `cannot load workflows from ${basename(file)}: its package is CommonJS (${commonJs} has no "type": "module"); add "type": "module" to that package.json (npx zart init does it), or name the file .mts`,
    )
  if (commonJs && extname(file) === '.ts') throw refuse()
  let module: Record<string, unknown>
  try {
    module = await importModule(file)
  } catch (error) {
    if (commonJs) throw refuse()
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ZartError('INVALID_INPUT', `cannot load workflows from ${basename(file)}: ${message}`)
  }
  // The same workflow is often exported twice (named and default): keep it once.
  const byValue = new Map<unknown, WorkflowDefinition>()
  for (const value of Object.values(module)) {
    if (byValue.has(value)) continue
    const definition = toWorkflowDefinition(value)
    if (definition) byValue.set(value, definition)
  }
  const byName = new Map<string, WorkflowDefinition>()
  for (const definition of byValue.values()) if (!byName.has(definition.name)) byName.set(definition.name, definition)
  return [...byName.values()]
}

type TypeScriptMode = 'ready' | 'native' | 'tsx'
let typeScriptMode: TypeScriptMode | undefined

/**
 * How `.ts` workflow files get loaded, decided once, on the first such file. Where Node
 * strips types itself (on by default since Node 22.18 and 23.6) it does the work, with tsx
 * only for a file it refuses. Elsewhere (Node 20), from the sources (a checkout, or vitest)
 * something already compiles TypeScript; a compiled package registers the tsx loader then,
 * and only then: a project of `.js` workflows never pays for it.
 */
async function prepareTypeScript(): Promise<TypeScriptMode> {
  if (typeScriptMode) return typeScriptMode
  if (nodeStripsTypes()) typeScriptMode = 'native'
  else if (!COMPILED) typeScriptMode = 'ready'
  else typeScriptMode = await registerTsx()
  return typeScriptMode
}

/** `process.features.typescript` exists from Node 22.10 ('strip' or 'transform' when on); @types/node 20 lacks it. */
function nodeStripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript)
}

async function registerTsx(): Promise<'tsx'> {
  const { register } = await import('tsx/esm/api')
  register()
  return 'tsx'
}

/**
 * Imports one workflow module. Node's type stripping refuses some TypeScript (enums,
 * parameter properties, a type imported without `type`); such a file is loaded again
 * through tsx (under a fresh URL, as the failed one stays in Node's module cache).
 */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href
  if (!/\.[mc]?ts$/.test(file)) return (await import(url)) as Record<string, unknown>
  const mode = await prepareTypeScript()
  try {
    return (await import(url)) as Record<string, unknown>
  } catch (error) {
    if (mode !== 'native' || !strippingRefused(error)) throw error
    typeScriptMode = await registerTsx()
    return (await import(`${url}?tsx`)) as Record<string, unknown>
  }
}

function strippingRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' || error instanceof SyntaxError
}

/** The package.json that makes `file` CommonJS (its nearest one, without "type": "module"), if any. */
function commonJsPackage(file: string): string | undefined {
  if (/\.m[jt]s$/.test(file)) return undefined
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest)) {
      try {
        const type = (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type
        return type === 'module' ? undefined : manifest
      } catch {
        return undefined
      }
    }
    if (dirname(dir) === dir) return undefined
  }
}
