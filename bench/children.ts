/**
 * The child-workflow benchmark: one parent fans out to N children (one step each) and in
 * again, timed from the parent's start to its end (every child done). Printed beside the
 * same N one-step executions scheduled independently by the client and waited for, in the
 * same run on the same store: the ratio is the cost of running them as children.
 *
 *   npx tsx bench/children.ts [--children 1000] [--db postgres://…|mysql://…]
 */
import { join } from 'node:path'
import { createZart, type Zart } from '../src/index.ts'
import { mysqlDialect, postgresDialect, type Dialect } from './backend-dialects.ts'
import { fmt, table, tempFolder } from './stats.ts'
import { fanChild, fanOut } from './workflows.ts'

const args = process.argv.slice(2)
const valueOf = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 ? args[at + 1] : undefined
}
const CHILDREN = Number(valueOf('children') ?? 1000)
const DB = valueOf('db') ?? 'sqlite:'

/** A fresh database for one scenario, and how to remove it. */
async function scratch(dialect: Dialect | null): Promise<{ url: string; drop: () => Promise<void> }> {
  if (dialect) return dialect.scratch()
  return { url: `sqlite:${join(tempFolder('children'), 'zart.db')}`, drop: async () => {} }
}

async function withZart<T>(dialect: Dialect | null, run: (zart: Zart) => Promise<T>): Promise<T> {
  const { url, drop } = await scratch(dialect)
  const zart = await createZart({ db: url, workflows: [fanOut, fanChild] })
  zart.startWorker({ concurrency: 64 })
  try {
    return await run(zart)
  } finally {
    await zart.close()
    await drop()
  }
}

/** Parent start to parent end, in ms, and how many times the parent was claimed (woken and replayed). */
async function fanOutMs(dialect: Dialect | null): Promise<{ ms: number; claims: number }> {
  return withZart(dialect, async (zart) => {
    const started = performance.now()
    const { execution_id } = await zart.schedule('bench-fan-out', { children: CHILDREN })
    const done = await zart.wait(execution_id, { timeout: '10m' })
    const ms = performance.now() - started
    const expected = CHILDREN * (CHILDREN - 1)
    if (done.status !== 'completed' || done.output !== expected) {
      throw new Error(`fan-out ended ${done.status} with ${JSON.stringify(done.output ?? done.error)}`)
    }
    return { ms, claims: done.attempt }
  })
}

/** The same children as independent executions: all scheduled at once, then waited for. */
async function independentMs(dialect: Dialect | null): Promise<number> {
  return withZart(dialect, async (zart) => {
    const started = performance.now()
    const ids = await Promise.all(
      Array.from({ length: CHILDREN }, (_, i) => zart.schedule('bench-fan-child', { i }).then((r) => r.execution_id)),
    )
    for (const id of ids) {
      const done = await zart.wait(id, { timeout: '10m' })
      if (done.status !== 'completed') throw new Error(`execution ${id} ended ${done.status}`)
    }
    return performance.now() - started
  })
}

const dialect = DB.startsWith('postgres')
  ? await postgresDialect(DB)
  : DB.startsWith('mysql')
    ? await mysqlDialect(DB)
    : null
try {
  const store = dialect?.name ?? 'sqlite'
  await fanOutMs(dialect) // warm up: code paths compiled, files cached
  const { ms: fan, claims } = await fanOutMs(dialect)
  const independent = await independentMs(dialect)
  table(`child workflows on ${store}: ${CHILDREN} children, one step each, one worker process`, [
    [
      `fan-out: parent start -> all ${CHILDREN} children done`,
      `${fmt(fan)} ms (${fmt(CHILDREN / (fan / 1000))} children/s)`,
    ],
    [`baseline: ${CHILDREN} independent executions scheduled at once -> all done`, `${fmt(independent)} ms`],
    ['fan-out / baseline', fmt(fan / independent, 2)],
    ['claims of the parent (each a replay of its history)', fmt(claims)],
  ])
} finally {
  await dialect?.end()
}
