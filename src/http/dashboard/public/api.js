// Every read and every action of the dashboard goes through the REST API at /api/v1,
// the same routes services and scripts use; the dashboard has no path of its own.

/** An RFC 9457 problem answered by the API, with its field issues. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail ?? `HTTP ${status}`)
    this.status = status
    this.code = problem.code ?? 'HTTP_ERROR'
    /** @type {{path: string, message: string}[]} */
    this.errors = Array.isArray(problem.errors) ? problem.errors : []
  }
}

/** Calls the API and returns the parsed JSON; throws ApiError for any problem answer. */
export async function api(method, path, body, { signal } = {}) {
  const init = { method, headers: { accept: 'application/json' }, credentials: 'same-origin', signal }
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const response = await fetch(`/api/v1${path}`, init)
  const text = await response.text()
  let json = null
  try {
    json = text === '' ? null : JSON.parse(text)
  } catch {
    json = { detail: text }
  }
  if (response.status === 401) {
    // The session expired or was never there: the server answers pages with the login form.
    location.reload()
  }
  if (!response.ok) throw new ApiError(response.status, json ?? {})
  return json
}

/** `/executions/{id}` with the id encoded (ids may hold `/` and `:`). */
export function executionPath(id) {
  return `/executions/${encodeURIComponent(id)}`
}

/** The statuses an execution can have; the last four never change again. */
export const STATUSES = ['pending', 'running', 'waiting', 'completed', 'failed', 'cancelled', 'timed_out']

export function isTerminal(status) {
  return STATUSES.indexOf(status) >= 3
}
