/**
 * `npm run bench`: runs each benchmark in its own process, one after another, so one
 * cannot skew another's memory or timing. Figures are printed, never asserted.
 *
 *   npm run bench                         engine (SQLite), MCP, start-up and child-workflow benchmarks
 *   npm run bench -- --db postgres://…    the backend and child-workflow benchmarks on that database
 *   npm run bench -- --only engine        one benchmark by name
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const valueOf = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : undefined
}
const db = valueOf('db')
const only = valueOf('only')
const passThrough = args.filter((_, i) => !['--only'].includes(args[i] ?? '') && args[i - 1] !== '--only')

const onSqlite = db === undefined || db.startsWith('sqlite:')
const benches = onSqlite ? ['engine', 'mcp', 'startup', 'children'] : ['backends', 'children']
const selected = only ? [only] : benches
let failed = false
for (const name of selected) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url))
  if (!existsSync(file)) {
    console.error(`no benchmark named "${name}" (bench/${name}.ts)`)
    failed = true
    continue
  }
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url))
  const result = spawnSync(process.execPath, [tsx, file, ...passThrough], { stdio: 'inherit' })
  if (result.status !== 0) failed = true
}
process.exitCode = failed ? 1 : 0
