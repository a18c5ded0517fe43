import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { executionIdSchema } from '../../client/schemas.ts'
import type { WaitResult, Zart } from '../../client/zart.ts'
import { isZartError } from '../../errors.ts'
import { askForEvent, canElicit, eventForm } from '../elicit-event.ts'
import { waitResultSchema } from '../output-schemas.ts'
import { statusHint } from '../status-text.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>

/** Default and ceiling of `timeout_seconds`: below the ~60 s after which clients cancel a call. */
export const WAIT_DEFAULT_SECONDS = 25
export const WAIT_MAX_SECONDS = 50
/** With elicitation, how often the wait looks for a new event wait to ask the person about. */
const ELICIT_CHECK_MS = 1_000

const input = z.object({
  execution_id: executionIdSchema.describe('The execution to wait for'),
  timeout_seconds: z
    .number()
    .min(0)
    .max(WAIT_MAX_SECONDS)
    .optional()
    .describe(`How long to wait at most (default ${WAIT_DEFAULT_SECONDS}, max ${WAIT_MAX_SECONDS})`),
})

/** `wait`: blocks a bounded time for an execution to finish, then reports its status. */
export function registerWaitTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'wait',
    {
      title: 'Wait for an execution',
      description:
        `Wait up to timeout_seconds (default ${WAIT_DEFAULT_SECONDS}, max ${WAIT_MAX_SECONDS}) for an execution to finish, ` +
        'returning as soon as it does. If it is still going when the time is up, you get its current status with ' +
        'timed_out: true (not an error): do something else and check again later. Use it only when you need the ' +
        'result now; an execution waiting for an event will not finish until you deliver_event. Sends progress ' +
        'notifications when you pass a progress token.',
      inputSchema: advertised(input),
      outputSchema: waitResultSchema,
      annotations: { title: 'Wait for an execution', readOnlyHint: true, openWorldHint: false },
    },
    (args, extra) =>
      runTool(context, args, async () => {
        const { execution_id, timeout_seconds } = parseArguments(input, args, 'wait')
        const timeoutMs = (timeout_seconds ?? WAIT_DEFAULT_SECONDS) * 1_000
        const zart = await client
        const stopProgress = startProgress(zart, execution_id, extra, context.progressIntervalMs, timeoutMs)
        try {
          const { result, note } = await waitAndAsk(server, zart, execution_id, timeoutMs, extra, context)
          return toolSuccess(result, [note, statusHint(result)].filter(Boolean).join(' '))
        } finally {
          stopProgress()
        }
      }),
  )
}

/**
 * Waits for the execution; when the client can show the person a form, also asks them
 * (once per event) for an event the execution is waiting for, and delivers their answer.
 */
export async function waitAndAsk(
  server: McpServer,
  zart: Zart,
  id: string,
  timeoutMs: number,
  extra: Extra,
  context: ToolContext,
): Promise<{ result: WaitResult; note: string }> {
  const giveUpAt = Date.now() + timeoutMs
  const asking = context.elicitation && canElicit(server)
  if (!asking) return { result: await zart.wait(id, { timeout: timeoutMs, signal: extra.signal }), note: '' }
  const asked = new Set<string>()
  let chunk = 0 // look at once, so a wait already in place is asked about without delay
  for (;;) {
    const result = await zart.wait(id, {
      timeout: Math.min(chunk, Math.max(0, giveUpAt - Date.now())),
      signal: extra.signal,
    })
    chunk = ELICIT_CHECK_MS
    const left = giveUpAt - Date.now()
    if (!result.timed_out || left <= 0 || extra.signal.aborted) return { result, note: '' }
    // The first awaited event with a form is asked about; the others stay open for deliver_event.
    const wanted =
      result.status === 'waiting' ? result.waiting_for?.find((w) => w.kind === 'event' && w.event) : undefined
    const event = wanted?.event
    const form = event ? eventForm(wanted?.schema) : null
    if (!event || !form || asked.has(`${event}@${result.updated_at}`)) continue
    asked.add(`${event}@${result.updated_at}`)
    const answer = await askForEvent(server, extra, result, event, form, left)
    if (answer === null)
      return { result: await zart.wait(id, { timeout: 0 }), note: `The person did not answer the "${event}" form.` }
    try {
      await zart.deliverEvent(id, event, answer)
    } catch (error) {
      if (!isZartError(error)) throw error
      return {
        result: await zart.wait(id, { timeout: 0 }),
        note: `The person's answer for "${event}" was refused: ${error.message}.`,
      }
    }
  }
}

/** Sends `notifications/progress` now and every `intervalMs` while the wait lasts, if asked to. */
export function startProgress(zart: Zart, id: string, extra: Extra, intervalMs: number, timeoutMs: number): () => void {
  const token = extra._meta?.progressToken
  if (token === undefined) return () => {}
  let tick = 0
  const send = async () => {
    const progress = (tick++ * intervalMs) / 1_000
    const view = await zart.status(id).catch(() => null)
    const events = view?.waiting_for?.flatMap((w) => (w.event ? [`"${w.event}"`] : [])) ?? []
    const waiting = events.length > 0 ? ` for event ${events.join(' or ')}` : ''
    // The workflow's own progress (ctx.progress) goes in the message; the number stays the
    // time waited, which only grows, as progress notifications must.
    const reported = view?.progress
    const done = reported?.fraction === undefined ? '' : ` ${Math.round(reported.fraction * 100)}%`
    const said = reported?.message === undefined ? '' : ` ${reported.message}`
    const how = reported ? `,${done}${said}` : ''
    await extra.sendNotification({
      method: 'notifications/progress',
      params: {
        progressToken: token,
        progress,
        total: timeoutMs / 1_000,
        message: view ? `${view.status}${waiting}${how}` : 'waiting',
      },
    })
  }
  const fire = () => void send().catch(() => undefined)
  fire()
  const timer = setInterval(fire, intervalMs)
  return () => clearInterval(timer)
}
