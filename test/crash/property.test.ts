/**
 * Property: a completed step never runs again, and a workflow resumes exactly where it was,
 * whatever the program and whenever workers die or events arrive.
 *
 * Each round schedules random programs (test/fixtures/program.ts) on a fresh database, runs
 * them in real `zart worker` processes that are SIGKILLed and restarted at random moments
 * while events are delivered at random moments, then checks that every execution completed
 * with the output of a crash-free run, and that a step function ran again only when the
 * process running it had died meanwhile (see test/fixtures/property-round.ts).
 *
 *   ZART_PROPERTY_RUNS=50          rounds per test (default 2); scripts/property-soak.sh
 *   ZART_PROPERTY_SEED=123         replays the programs and timing of a failed run
 *   ZART_PROPERTY_PROGRAMS='[...]' runs these programs instead of random ones
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { tempDir } from '../helpers.ts'
import { programArbitrary, type ProgramShape } from '../fixtures/program-arbitrary.ts'
import { runRound } from '../fixtures/property-round.ts'
import type { ProgramNode } from '../fixtures/program.ts'
import { backends, required, skipReason, type Backend } from '../storage/backends.ts'

const RUNS = Number(process.env.ZART_PROPERTY_RUNS ?? 2)
const SEED = Number(process.env.ZART_PROPERTY_SEED ?? Date.now() % 1_000_000_000)
const GIVEN = process.env.ZART_PROPERTY_PROGRAMS
const EXECUTIONS = 6
const KILLS = 5
const TIME_LIMIT_MS = 25_000

async function property(backend: Backend, shape: ProgramShape): Promise<void> {
  const programs: fc.Arbitrary<ProgramNode[]> = GIVEN
    ? fc.constant(JSON.parse(GIVEN) as ProgramNode[])
    : fc.array(programArbitrary(shape), { minLength: EXECUTIONS, maxLength: EXECUTIONS })
  console.log(`property ${backend.name} ${shape}: ZART_PROPERTY_SEED=${SEED}, ${RUNS} run(s)`)
  await fc.assert(
    fc.asyncProperty(programs, fc.integer({ min: 0, max: 2 ** 30 }), async (list, timing) => {
      const { store, url } = await backend.fresh()
      let failed = true
      try {
        const report = await runRound({
          store,
          url,
          programs: list,
          seed: timing,
          dir: tempDir(),
          workers: 2,
          kills: KILLS,
          lease: '2s',
          timeLimitMs: TIME_LIMIT_MS,
        })
        console.log(
          `property ${backend.name} ${shape}: ${list.length} executions in ${report.elapsedMs} ms, ${report.kills} kills, ` +
            `${report.reruns} step runs repeated after a kill, ${report.leaseLost} lease(s) lost, ${report.issues.length} issue(s)`,
        )
        if (report.issues.length > 0) {
          const text = report.issues.join('\n  ')
          console.log(`property ${backend.name} ${shape} (ZART_PROPERTY_SEED=${SEED}) found:\n  ${text}`)
          throw new Error(`ZART_PROPERTY_SEED=${SEED}:\n  ${text}`)
        }
        failed = false
      } finally {
        await store.close()
        await backend.options.cleanup?.(store, failed)
      }
    }),
    { seed: SEED, numRuns: GIVEN ? 1 : RUNS, endOnFailure: true },
  )
}

const timeout = RUNS * 70_000 + 30_000

for (const backend of backends) {
  const reason = skipReason(backend)
  describe(`property: ${backend.name}`, () => {
    if (reason !== null) {
      if (required.has(backend.name))
        it('is required by ZART_TEST_REQUIRE_BACKENDS but cannot run', () => {
          throw new Error(reason)
        })
      else it.skip(`needs its database: ${reason}`, () => {})
      return
    }
    it(
      'steps one after another, waits, sleeps, retries, loops, parallel steps: resume exactly where they were under SIGKILL',
      () => property(backend, 'sequential'),
      timeout,
    )
    // Failed before a run suspended only once every branch is blocked: a step running
    // beside a wait, sleep or retry was abandoned and ran again on resume.
    it(
      'any program, including steps beside waits, sleeps and retries in Promise.all / allSettled / race',
      () => property(backend, 'full'),
      timeout,
    )
  })
}
