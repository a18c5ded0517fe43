import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** Static imports and re-exports of a source file, leaving out types and `import()`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const statements = /^(?:import|export)\s+(?!type\b)[\w*\s{},]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gm
  return [...text.matchAll(statements)].map((m) => m[1] ?? m[2] ?? '')
}

/** Every module a file loads before it runs: its static imports, followed through src/. */
function closure(entries: string[]): Set<string> {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec))
      else seen.add(spec)
    }
  }
  for (const entry of entries) visit(resolve(SRC, entry))
  return new Set([...seen].map((m) => (m.startsWith(SRC) ? m.slice(SRC.length) : m)))
}

// `zart status` is run in shell loops and by agents: what it loads is its start-up time.
it('zart status loads no workflow code, no zod and no engine', () => {
  const loaded = closure([
    'cli/main.ts',
    'cli/commands/status.ts',
    'client/zart.ts',
    'storage/open-store.ts',
    'storage/sqlite/sqlite-store.ts',
  ])
  expect(loaded).toContain('client/validate.ts')
  expect(loaded).toContain('better-sqlite3')
  expect(loaded).toContain('commander')
  for (const module of [
    'zod',
    'cli/load-workflows.ts',
    'client/schemas.ts',
    'client/schedules.ts',
    'engine/worker.ts',
    'engine/executor.ts',
    'engine/replay-check.ts',
  ]) {
    expect(loaded, module).not.toContain(module)
  }
})
