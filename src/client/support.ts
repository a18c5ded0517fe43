import { ZartError } from '../errors.ts'
import { toJson } from '../engine/json.ts'
import type { ExecutionRecord } from '../storage/store.ts'

export { jsonSchema } from '../json-schema.ts'

/** Serializes caller data (workflow input, event payload), refusing what JSON cannot hold or what is too big. */
export function toJsonInput(value: unknown, what: string, maxBytes = Infinity): string {
  let json: string
  try {
    json = toJson(value, what)
  } catch (error) {
    // A RangeError here is the stack running out on data nested thousands of levels deep.
    const reason = error instanceof RangeError ? `${what} is nested too deeply` : (error as Error).message
    throw new ZartError('INVALID_INPUT', `${reason}; send plain JSON`)
  }
  const bytes = Buffer.byteLength(json)
  if (bytes > maxBytes) {
    throw new ZartError(
      'PAYLOAD_TOO_LARGE',
      `${what} is ${bytes} bytes of JSON, over the limit of ${maxBytes}: store big content elsewhere (a file, a bucket) and pass a reference`,
      { bytes, limit: maxBytes },
    )
  }
  return json
}

export function notFound(id: string): ZartError {
  return new ZartError(
    'EXECUTION_NOT_FOUND',
    `no execution with id "${id}": check the id, or list executions (zart list / list_executions) to find it`,
    { execution_id: id },
  )
}

export function terminal(record: ExecutionRecord, action: string): ZartError {
  return new ZartError(
    'EXECUTION_TERMINAL',
    `execution "${record.id}" is already ${record.status}, so zart cannot ${action}; schedule a new execution instead`,
    { execution_id: record.id, status: record.status },
  )
}

/** Delivery of an event the execution's workflow does not declare in its `events`. */
export function undeclaredEvent(record: ExecutionRecord, event: string, declared: string[]): ZartError {
  const known = declared.length > 0 ? `it declares ${declared.map((d) => `"${d}"`).join(', ')}` : 'it declares none'
  return new ZartError(
    'INVALID_INPUT',
    `workflow "${record.workflow}" does not declare an event named "${event}" (${known}); deliver one of the declared names`,
    { execution_id: record.id, workflow: record.workflow, event, declared },
  )
}
