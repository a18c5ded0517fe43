import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { ElicitRequestFormParams, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js'
import type { ExecutionView } from '../client/status-view.ts'

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>
type FormSchema = ElicitRequestFormParams['requestedSchema']

const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean'])
const KEPT = [
  'type',
  'title',
  'description',
  'default',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'format',
] as const
const FORMATS = new Set(['email', 'uri', 'date', 'date-time'])

/** True when the client said it can show the person a form (elicitation, form mode). */
export function canElicit(server: McpServer): boolean {
  return server.server.getClientCapabilities()?.elicitation?.form !== undefined
}

/**
 * The form an elicitation can show for an event, or null when the event's schema is not a
 * flat object of strings, numbers and booleans (all a form can hold) or was not declared:
 * then the model asks in chat, as with a client that has no elicitation at all.
 */
export function eventForm(schema: unknown): FormSchema | null {
  if (!isRecord(schema) || schema.type !== 'object' || !isRecord(schema.properties)) return null
  const properties: Record<string, Record<string, unknown>> = {}
  for (const [name, property] of Object.entries(schema.properties)) {
    if (!isRecord(property) || typeof property.type !== 'string' || !PRIMITIVES.has(property.type)) return null
    const kept: Record<string, unknown> = {}
    for (const key of KEPT) if (property[key] !== undefined) kept[key] = property[key]
    if (typeof kept.format === 'string' && !FORMATS.has(kept.format)) delete kept.format
    properties[name] = kept
  }
  if (Object.keys(properties).length === 0) return null
  const required = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : []
  return { type: 'object', properties, ...(required.length > 0 && { required }) } as FormSchema
}

/**
 * Asks the person, through the client, for the event a waiting execution needs. Returns
 * the answer, or null when they declined, cancelled, or did not answer within `timeoutMs`.
 */
export async function askForEvent(
  server: McpServer,
  extra: Extra,
  view: ExecutionView,
  event: string,
  form: FormSchema,
  timeoutMs: number,
): Promise<Record<string, unknown> | null> {
  const message =
    `Execution "${view.id}" (workflow ${view.workflow}${view.step ? `, at step ${view.step}` : ''}) is waiting for "${event}". ` +
    'Answer to send it now, or decline to leave it waiting.'
  try {
    const result = await server.server.elicitInput(
      { mode: 'form', message, requestedSchema: form },
      { relatedRequestId: extra.requestId, signal: extra.signal, timeout: Math.max(1, timeoutMs) },
    )
    return result.action === 'accept' ? (result.content ?? {}) : null
  } catch {
    // A timeout, a cancelled call or a client that failed the request: the execution simply keeps waiting.
    return null
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
