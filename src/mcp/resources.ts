import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js'
import type { Zart } from '../client/zart.ts'
import { isZartError } from '../errors.ts'
import type { Logger } from '../engine/logger.ts'
import type { WatchedExecutions } from './watched-executions.ts'

/** The URI template of an execution resource. */
export const EXECUTION_URI_TEMPLATE = 'zart://executions/{id}'
/** The output of a completed execution alone: where `status` points when it is too big to paste. */
export const OUTPUT_URI_TEMPLATE = 'zart://executions/{id}/output'
const OUTPUT_SUFFIX = '/output'

/** The URI of an execution's output. */
export function outputUri(id: string): string {
  return `zart://executions/${encodeURIComponent(id)}${OUTPUT_SUFFIX}`
}
const PREFIX = 'zart://executions/'
const PAGE_SIZE = 50
/** JSON-RPC code the MCP spec gives to "resource not found". */
const RESOURCE_NOT_FOUND = -32002

export interface ResourceOptions {
  logger: Logger
  /** How often subscribed executions are re-read to notice a change, in ms. */
  pollMs: number
  /** The session's watched executions: one read or subscribed to is watched, a listed one is not. */
  watched?: WatchedExecutions | undefined
}

/**
 * Serves every execution as the resource `zart://executions/{id}` (its status with the step
 * history, as JSON), lists them a page at a time, and sends `notifications/resources/updated`
 * to a subscriber when a subscribed execution changes status.
 *
 * The resource handlers are installed on the low-level server because McpServer's
 * resource list drops the cursor, and the executions must be paged.
 */
export function registerExecutionResources(server: McpServer, client: Promise<Zart>, options: ResourceOptions): void {
  const low = server.server
  low.registerCapabilities({ resources: { subscribe: true, listChanged: false } })

  low.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: EXECUTION_URI_TEMPLATE,
        name: 'execution',
        title: 'zart execution',
        description:
          'The status of one durable execution, with its step history; subscribe to hear when its status changes',
        mimeType: 'application/json',
      },
      {
        uriTemplate: OUTPUT_URI_TEMPLATE,
        name: 'execution-output',
        title: 'zart execution output',
        description: 'The output of a completed execution, as JSON (status links here when it is large)',
        mimeType: 'application/json',
      },
    ],
  }))

  low.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    const page = await protocolErrors(options.logger, async () =>
      (await client).list({
        limit: PAGE_SIZE,
        ...(request.params?.cursor !== undefined && { cursor: request.params.cursor }),
      }),
    )
    return {
      resources: page.executions.map((e) => ({
        uri: `${PREFIX}${encodeURIComponent(e.id)}`,
        name: e.id,
        title: `${e.workflow} ${e.id} (${e.status})`,
        mimeType: 'application/json',
      })),
      ...(page.next_cursor !== null && { nextCursor: page.next_cursor }),
    }
  })

  low.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const { uri } = request.params
    if (uri.endsWith(OUTPUT_SUFFIX)) {
      const id = executionIdOf(uri.slice(0, -OUTPUT_SUFFIX.length))
      options.watched?.add(id)
      const view = await protocolErrors(options.logger, async () => (await client).status(id))
      if (view.status !== 'completed') {
        throw new McpError(
          RESOURCE_NOT_FOUND,
          `execution "${id}" is ${view.status}: only a completed one has an output`,
        )
      }
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(view.output) }] }
    }
    const id = executionIdOf(uri)
    options.watched?.add(id)
    const view = await protocolErrors(options.logger, async () => (await client).status(id, { includeSteps: true }))
    options.watched?.addView(view)
    return { contents: [{ uri: request.params.uri, mimeType: 'application/json', text: JSON.stringify(view) }] }
  })

  const watch = new StatusWatch(client, options, (uri) => low.sendResourceUpdated({ uri }))
  low.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const id = executionIdOf(request.params.uri)
    options.watched?.add(id)
    const view = await protocolErrors(options.logger, async () => (await client).status(id))
    watch.add(request.params.uri, id, view.status)
    return {}
  })
  low.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    watch.remove(request.params.uri)
    return {}
  })
  const previous = low.onclose
  low.onclose = () => {
    watch.stop()
    previous?.()
  }
}

/**
 * Re-reads subscribed executions every `pollMs` and reports those whose status changed.
 * Polling the store sees changes made by any process (another worker, the CLI), which
 * this process's own change events would miss; one read per subscription is cheap.
 */
class StatusWatch {
  private readonly subscriptions = new Map<string, { id: string; status: string }>()
  private timer: NodeJS.Timeout | undefined
  private polling = false

  private readonly client: Promise<Zart>
  private readonly options: ResourceOptions
  private readonly notify: (uri: string) => Promise<void>

  constructor(client: Promise<Zart>, options: ResourceOptions, notify: (uri: string) => Promise<void>) {
    this.client = client
    this.options = options
    this.notify = notify
  }

  add(uri: string, id: string, status: string): void {
    this.subscriptions.set(uri, { id, status })
    this.timer ??= setInterval(() => void this.poll(), this.options.pollMs).unref()
  }

  remove(uri: string): void {
    this.subscriptions.delete(uri)
    if (this.subscriptions.size === 0) this.stop()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async poll(): Promise<void> {
    if (this.polling) return // a slow database must not pile up reads
    this.polling = true
    try {
      for (const [uri, entry] of this.subscriptions) {
        const view = await (await this.client).status(entry.id).catch(() => null)
        if (!view || view.status === entry.status) continue
        entry.status = view.status
        await this.notify(uri).catch((error: unknown) =>
          this.options.logger.debug('resource update not sent', { uri, error: String(error) }),
        )
      }
    } finally {
      this.polling = false
    }
  }
}

function executionIdOf(uri: string): string {
  if (!uri.startsWith(PREFIX) || uri.length === PREFIX.length) {
    throw new McpError(RESOURCE_NOT_FOUND, `unknown resource ${uri}: executions are ${EXECUTION_URI_TEMPLATE}`)
  }
  try {
    return decodeURIComponent(uri.slice(PREFIX.length))
  } catch {
    throw new McpError(RESOURCE_NOT_FOUND, `unknown resource ${uri}: the id is not valid percent-encoding`)
  }
}

/** Client errors become protocol errors: resources have no `isError` result to carry them. */
export async function protocolErrors<T>(logger: Logger, body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } catch (error) {
    if (!isZartError(error)) {
      logger.error('mcp resource request failed', {
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      })
      throw new McpError(ErrorCode.InternalError, 'zart hit an internal error; details are in the server log')
    }
    const code = error.code === 'EXECUTION_NOT_FOUND' ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams
    throw new McpError(code, error.message, { code: error.code })
  }
}
