import { defineRoute, type RouteSpec } from './route.ts'
import { flowOptions } from '../../client/schemas.ts'
import type { RestContext } from './context.ts'
import {
  executionResponse,
  emptyBody,
  idParams,
  rerunBody,
  retryBody,
  listQuery,
  listResponse,
  scheduleBody,
  scheduleHeaders,
  scheduleResponse,
  statusQuery,
  waitQuery,
  waitResponse,
} from './schemas.ts'

/** How often a stream looks for changes (the status is one indexed read). */
const STREAM_POLL_MS = 250

/** The execution routes: schedule, list, status, cancel, and a bounded long-poll wait. */
export function executionRoutes(context: RestContext): RouteSpec[] {
  const { zart, limits } = context
  const defaultWait = Math.min(limits.defaultWaitSeconds, limits.maxWaitSeconds)

  const schedule = defineRoute({
    method: 'post',
    path: '/executions',
    operationId: 'schedule',
    summary: 'Schedule a workflow',
    description:
      'Starts a workflow execution and returns at once. With an `id` or `idempotency_key` that exists already, returns that ' +
      'execution (200) when the workflow and data match, and 409 ID_CONFLICT when they differ.',
    schemas: { headers: scheduleHeaders, body: scheduleBody },
    bodyRequired: true,
    responses: {
      201: { description: 'A new execution was created', schema: scheduleResponse },
      200: {
        description:
          'The execution with this id or idempotency key already existed with the same input, or one with the same ' +
          'dedupe key had not started yet (deduplicated: true)',
        schema: scheduleResponse,
      },
    },
    errors: ['INVALID_INPUT', 'UNKNOWN_WORKFLOW', 'ID_CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'],
    async handle({ headers, body }, { log }) {
      log.execution = body.id // so a conflict is logged with the id too
      const runAt =
        body.run_at === undefined ? undefined : typeof body.run_at === 'number' ? body.run_at : Date.parse(body.run_at)
      const result = await zart.schedule(body.workflow ?? body.task ?? '', body.data ?? {}, {
        ...(body.id !== undefined && { id: body.id }),
        ...(body.idempotency_key !== undefined && { idempotencyKey: body.idempotency_key }),
        ...(runAt !== undefined && { runAt }),
        ...(body.delay !== undefined && { delay: body.delay }),
        ...(headers.traceparent !== undefined && { traceparent: headers.traceparent }),
        ...flowOptions(body),
      })
      log.execution = result.execution_id
      return {
        status: result.created ? 201 : 200,
        body: result,
        headers: { Location: `/api/v1/executions/${encodeURIComponent(result.execution_id)}` },
      }
    },
  })

  const list = defineRoute({
    method: 'get',
    path: '/executions',
    operationId: 'listExecutions',
    summary: 'List executions, newest first',
    description: 'Filtered by status and workflow, paged: pass `next_cursor` back as `cursor` until it is null.',
    schemas: { query: listQuery },
    responses: { 200: { description: 'One page of executions', schema: listResponse } },
    errors: ['INVALID_INPUT'],
    async handle({ query }) {
      return { status: 200, body: await zart.list(withoutUndefined(query)) }
    },
  })

  const status = defineRoute({
    method: 'get',
    path: '/executions/{id}',
    operationId: 'getExecution',
    summary: 'The status of an execution',
    description: 'The same fields as `zart status` and the MCP `status` tool.',
    schemas: { params: idParams, query: statusQuery },
    responses: { 200: { description: 'The status', schema: executionResponse } },
    errors: ['INVALID_INPUT', 'EXECUTION_NOT_FOUND'],
    async handle({ params, query }, { log }) {
      log.execution = params.id
      const view = await zart.status(params.id, { includeSteps: query.steps === 'true' })
      const dashboardUrl = context.dashboardUrl?.(view.id)
      return { status: 200, body: dashboardUrl === undefined ? view : { ...view, dashboard_url: dashboardUrl } }
    },
  })

  const cancel = defineRoute({
    method: 'post',
    path: '/executions/{id}/cancel',
    operationId: 'cancelExecution',
    summary: 'Cancel an execution that has not finished',
    description:
      'It stops for good and cannot be resumed. Its unfinished child executions are cancelled with it, in the same ' +
      'transaction, except those started detached.',
    schemas: { params: idParams },
    responses: { 200: { description: 'The cancelled execution', schema: executionResponse } },
    errors: ['INVALID_INPUT', 'EXECUTION_NOT_FOUND', 'EXECUTION_TERMINAL'],
    async handle({ params }, { log }) {
      log.execution = params.id
      return { status: 200, body: await zart.cancel(params.id) }
    },
  })

  const wait = defineRoute({
    method: 'get',
    path: '/executions/{id}/wait',
    operationId: 'waitForExecution',
    summary: 'Wait (long poll) for an execution to finish',
    description:
      `Returns as soon as the execution is terminal, or after \`timeout\` seconds (default ${defaultWait}, max ` +
      `${limits.maxWaitSeconds}) with \`timed_out: true\`. At most ${limits.maxWaits} waits are open at once (then 429).`,
    schemas: { params: idParams, query: waitQuery(limits.maxWaitSeconds, defaultWait) },
    responses: { 200: { description: 'The status when the wait ended', schema: waitResponse } },
    errors: ['INVALID_INPUT', 'EXECUTION_NOT_FOUND', 'TOO_MANY_WAITS', 'SHUTTING_DOWN'],
    async handle({ params, query }, { res, log }) {
      log.execution = params.id
      const release = context.waits.take()
      // Ends early when the caller hangs up or the server shuts down. One controller and
      // two listeners, not AbortSignal.any: that keeps a reference from the server-long
      // shutdown signal to every wait's signal until the garbage collector finds it.
      const stop = new AbortController()
      const abort = () => stop.abort()
      res.once('close', abort)
      context.shutdown.addEventListener('abort', abort)
      if (context.shutdown.aborted) abort()
      try {
        const result = await zart.wait(params.id, {
          timeout: (query.timeout ?? defaultWait) * 1000,
          signal: stop.signal,
        })
        return { status: 200, body: result }
      } finally {
        context.shutdown.removeEventListener('abort', abort)
        release()
      }
    },
  })

  const stream = defineRoute({
    method: 'get',
    path: '/executions/{id}/stream',
    operationId: 'streamExecution',
    summary: 'Follow an execution as server-sent events',
    description:
      'A `text/event-stream` of `status` events, each the status object (with `progress`), sent at once and then ' +
      'whenever the status, step, what it waits for or its progress changes; the stream ends after the final ' +
      'status of a finished execution. A `ping` event every 15 s of quiet keeps proxies from closing it.',
    schemas: { params: idParams },
    responses: {
      200: {
        description: 'An event stream; each `status` event carries the status object as JSON',
        schema: executionResponse,
        contentType: 'text/event-stream',
      },
    },
    errors: ['EXECUTION_NOT_FOUND'],
    async handle({ params }) {
      let view = await zart.status(params.id) // unknown ids fail here, before the stream starts
      return {
        status: 200,
        body: null,
        events: async (send, gone) => {
          const signal = AbortSignal.any([gone, context.shutdown])
          const key = (v: typeof view) => JSON.stringify([v.status, v.step, v.updated_at, v.waiting_for, v.progress])
          let last = ''
          let quietSince = Date.now()
          for (;;) {
            if (key(view) !== last) {
              last = key(view)
              quietSince = Date.now()
              send('status', view)
            }
            if (signal.aborted || ['completed', 'failed', 'cancelled', 'timed_out'].includes(view.status)) return
            await new Promise((resolve) => setTimeout(resolve, STREAM_POLL_MS))
            if (Date.now() - quietSince > 15_000) {
              quietSince = Date.now()
              send('ping', {})
            }
            view = await zart.status(params.id)
          }
        },
      }
    },
  })

  const repair = (action: 'pause' | 'resume' | 'retry', summary: string, description: string) =>
    defineRoute({
      method: 'post',
      path: `/executions/{id}/${action}`,
      operationId: `${action}Execution`,
      summary,
      description,
      schemas: { params: idParams, body: action === 'retry' ? retryBody : emptyBody },
      responses: { 200: { description: 'The status after the change', schema: executionResponse } },
      errors:
        action === 'retry'
          ? ['EXECUTION_NOT_FOUND', 'INVALID_INPUT']
          : ['EXECUTION_NOT_FOUND', 'EXECUTION_TERMINAL', 'INVALID_INPUT'],
      async handle({ params, body }) {
        const id = params.id
        const timeout = (body as { timeout?: string } | undefined)?.timeout
        const view =
          action === 'pause'
            ? await zart.pause(id)
            : action === 'resume'
              ? await zart.resume(id)
              : await zart.retry(id, timeout === undefined ? {} : { timeout })
        return { status: 200, body: view }
      },
    })

  const rerun = defineRoute({
    method: 'post',
    path: '/executions/{id}/rerun',
    operationId: 'rerunExecution',
    summary: 'Fork a new execution that reruns this one from a step',
    description:
      'The steps before `from_step` are replayed from the original history, `from_step` and the rest run anew, with the ' +
      'original input or `data`. The new execution names the original in `rerun_of`.',
    schemas: { params: idParams, body: rerunBody },
    bodyRequired: true,
    responses: { 201: { description: 'The new execution', schema: executionResponse } },
    errors: ['EXECUTION_NOT_FOUND', 'INVALID_INPUT', 'UNKNOWN_WORKFLOW', 'ID_CONFLICT'],
    async handle({ params, body }) {
      const view = await zart.rerun(params.id, {
        fromStep: body.from_step,
        ...(body.data !== undefined && { data: body.data }),
        ...(body.id !== undefined && { id: body.id }),
      })
      return { status: 201, body: view, headers: { Location: `/api/v1/executions/${encodeURIComponent(view.id)}` } }
    },
  })

  return [
    rerun,
    schedule,
    list,
    status,
    cancel,
    wait,
    stream,
    repair(
      'pause',
      'Pause an execution',
      'Not claimed until resumed; a step running now finishes and is recorded first.',
    ),
    repair('resume', 'Resume a paused execution', 'It goes on as soon as it is due.'),
    repair(
      'retry',
      'Retry a failed, timed-out or cancelled execution',
      'Runs again from where it stopped: completed steps are kept, the failed step runs again; `timeout` sets a new deadline from now.',
    ),
  ] as RouteSpec[]
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}
