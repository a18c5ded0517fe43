import type { Clock } from '../clock.ts'
import { serializeError } from '../errors.ts'
import type { Claim } from '../storage/store.ts'
import { ExecutionContext } from './context.ts'
import type { Divergence } from './history.ts'
import { Suspend } from './suspend.ts'
import type { WorkflowDefinition } from './workflow.ts'

/** What replaying one execution's history against the loaded code found. */
export type ReplayVerdict =
  { ok: true } | { ok: false; divergence: Divergence } | { ok: false; error: { name: string; message: string } }

/** How long a replay may take before it is called stuck (it runs no step, so it is quick). */
const REPLAY_LIMIT_MS = 5_000

/**
 * Replays an execution's stored history against `definition` without running any step
 * function or writing anything: recorded results are handed back in their recorded order
 * and every branch stops where history ends. The code matches when no call differs from
 * what was recorded and nothing recorded is left unreached.
 */
export async function checkReplay(definition: WorkflowDefinition, claim: Claim, clock: Clock): Promise<ReplayVerdict> {
  let divergence: Divergence | null = null
  let halted = false
  let stop!: () => void
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  const halt = () => {
    halted = true
    stop()
  }
  const controller = new AbortController()
  const ctx = new ExecutionContext(claim, {
    clock,
    random: Math.random,
    commit: () => Promise.reject(new Error('a replay check writes nothing')),
    signal: controller.signal,
    halt,
    storeFailed: halt,
    diverged: (found) => {
      divergence = found
      halt()
    },
    isHalted: () => halted,
    maxResultBytes: Number.MAX_SAFE_INTEGER,
    events: definition.events ? Object.keys(definition.events) : undefined,
    dryRun: true,
  })
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), REPLAY_LIMIT_MS)))
  try {
    const body = Promise.resolve()
      .then(() => definition.run(ctx, JSON.parse(claim.execution.inputJson) as never))
      .then(
        () => ({ threw: false as const }),
        (error: unknown) => ({ threw: true as const, error }),
      )
      .then((outcome) => {
        ctx.finishBody()
        return outcome
      })
    const outcome = await Promise.race([body, stopped, limit])
    if (divergence) return { ok: false, divergence }
    if (outcome === 'stuck') {
      return {
        ok: false,
        error: { name: 'ReplayStuck', message: `the replay did not settle within ${REPLAY_LIMIT_MS} ms` },
      }
    }
    if (outcome === undefined || halted) return { ok: true }
    // The body returned or threw on replayed values alone: history must all have been reached.
    await ctx.idle()
    const unreached = ctx.unreached()
    if (unreached) return { ok: false, divergence: unreached }
    if (outcome.threw && !(outcome.error instanceof Suspend)) {
      const { name, message } = serializeError(outcome.error)
      return { ok: false, error: { name, message } }
    }
    return { ok: true }
  } finally {
    clearTimeout(timer)
    controller.abort()
    ctx.dispose()
  }
}
