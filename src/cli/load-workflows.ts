import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, delimiter, extname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ZartError } from '../errors.ts'
import { toWorkflowDefinition, type WorkflowDefinition } from '../engine/workflow.ts'

/** The example workflows shipped with zart, used when nothing else is configured. */
export const BUNDLED_WORKFLOWS = fileURLToPath(new URL('../../workflows/', import.meta.url))

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
 * instances and TaskHandler classes. TypeScript loads because the `zart` bin registers
 * tsx before anything else runs.
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
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (error) {
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
