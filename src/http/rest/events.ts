import { ZartError } from '../../errors.ts'
import type { RestContext } from './context.ts'
import { defineRoute, type RouteSpec } from './route.ts'
import { deliverResponse, eventBody, eventHeaders, eventParams, eventQuery } from './schemas.ts'

/** `POST /events/{id}/{name}`: the body is the event data, for webhooks that cannot shape it. */
export function eventRoutes(context: RestContext): RouteSpec[] {
  const deliver = defineRoute({
    method: 'post',
    path: '/events/{id}/{name}',
    operationId: 'deliverEvent',
    summary: 'Deliver an event to an execution',
    description:
      'The body is the event data (any JSON; no body means null). Resumes the execution when it waits for this event ' +
      '(`delivered`), or keeps the event for its next wait of that name (`buffered`). With an event id (`Idempotency-Key` ' +
      'header or `event_id` query), a repeat is reported as `duplicate` and stored once.',
    schemas: { params: eventParams, query: eventQuery, headers: eventHeaders, body: eventBody },
    responses: { 202: { description: 'The event was accepted', schema: deliverResponse } },
    errors: [
      'INVALID_INPUT',
      'EXECUTION_NOT_FOUND',
      'EXECUTION_TERMINAL',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    async handle({ params, query, headers, body }, { log }) {
      log.execution = params.id
      const header = headers['idempotency-key']
      if (header !== undefined && query.event_id !== undefined && header !== query.event_id) {
        throw new ZartError(
          'INVALID_INPUT',
          'the Idempotency-Key header and the event_id query differ: give the event id once',
          {
            issues: [{ path: 'query.event_id', message: 'differs from the Idempotency-Key header' }],
          },
        )
      }
      const eventId = header ?? query.event_id
      const result = await context.zart.deliverEvent(params.id, params.name, body === undefined ? null : body, {
        ...(eventId !== undefined && { eventId }),
      })
      return { status: 202, body: result }
    },
  })
  return [deliver] as RouteSpec[]
}
