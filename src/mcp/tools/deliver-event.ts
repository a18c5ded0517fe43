import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { eventIdSchema, eventNameSchema, executionIdSchema } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { deliverResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const input = z.object({
  execution_id: executionIdSchema.describe('The execution to send the event to'),
  event: eventNameSchema.describe('The event name, as in an event entry of waiting_for in status'),
  data: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('The event data, a JSON object; must match the schema of that waiting_for entry when there is one'),
  event_id: eventIdSchema
    .optional()
    .describe('Your id for this event: delivering the same event_id again is reported as duplicate and stored once'),
})

/** `deliver_event`: resumes a waiting execution, or keeps the event for its next wait. */
export function registerDeliverEventTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'deliver_event',
    {
      title: 'Deliver an event',
      description:
        'Send an event (for example an approval the person gave in chat) to an execution. If the execution is waiting for ' +
        'that event it resumes at once (result: delivered); otherwise the event is kept and consumed by its next wait on that ' +
        'name (result: buffered). Give an event_id to make retries safe (result: duplicate). Fails with EXECUTION_TERMINAL ' +
        'when the execution has already ended.',
      inputSchema: advertised(input),
      outputSchema: deliverResultSchema,
      // Not idempotentHint: a repeat without event_id buffers a second event, so clients must not retry it blindly.
      annotations: {
        title: 'Deliver an event',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    (args) =>
      runTool(context, args, async () => {
        const { execution_id, event, data, event_id } = parseArguments(input, args, 'deliver_event')
        const zart = await client
        const result = await zart.deliverEvent(
          execution_id,
          event,
          data ?? null,
          event_id === undefined ? {} : { eventId: event_id },
        )
        const what =
          result.result === 'delivered'
            ? 'The execution resumed'
            : result.result === 'buffered'
              ? result.waiting_for
                ? `The execution waits for ${result.waiting_for.map((e) => JSON.stringify(e)).join(' or ')}, not ${JSON.stringify(event)}: ` +
                  'the event is kept for a later wait on that name; check the name'
                : 'The execution was not waiting for it yet; the event is kept for its next wait on that name'
              : 'This event_id was delivered before; nothing changed'
        return toolSuccess(
          result,
          `${what}. Check progress later with status (execution_id ${JSON.stringify(execution_id)}).`,
        )
      }),
  )
}
