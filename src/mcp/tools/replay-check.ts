import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { workflowNameSchema } from '../../client/schemas.ts'
import type { Zart } from '../../client/zart.ts'
import { replayCheckResultSchema } from '../output-schemas.ts'
import { runTool, toolSuccess } from '../tool-result.ts'
import { advertised, parseArguments } from '../tool-schema.ts'
import { defaultToolContext, type ToolContext } from './tool-context.ts'

const input = z.object({
  workflow: workflowNameSchema.optional().describe('Only executions of this workflow'),
  limit: z.number().int().min(1).max(1000).optional().describe('Replay at most this many (default 100)'),
})

/** `replay_check`: whether unfinished executions still replay against the loaded code. */
export function registerReplayCheckTool(
  server: McpServer,
  client: Promise<Zart>,
  context: ToolContext = defaultToolContext,
): void {
  server.registerTool(
    'replay_check',
    {
      title: 'Check replay against the loaded code',
      description:
        'Replay the history of unfinished executions against the workflow code this server loaded, running no step ' +
        'and changing nothing, and list those the code no longer matches (diverged). Use it after a workflow changed, ' +
        'before relying on the new code: a diverged execution stops until the code matches its history again.',
      inputSchema: advertised(input),
      outputSchema: replayCheckResultSchema,
      annotations: { title: 'Check replay', readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(context, args, async () => {
        const { workflow, limit } = parseArguments(input, args, 'replay_check')
        const zart = await client
        const result = await zart.replayCheck({
          ...(workflow !== undefined && { workflow }),
          ...(limit !== undefined && { limit }),
        })
        const hint =
          result.diverged.length === 0
            ? `All ${result.checked} unfinished executions replay against the loaded code.`
            : `${result.diverged.length} of ${result.checked} executions do not replay against the loaded code: ` +
              `${result.diverged.map((d) => d.execution_id).join(', ')}. Each message says what differs; ` +
              'guard the change with ctx.patched() or roll it back.'
        return toolSuccess(result, hint)
      }),
  )
}
