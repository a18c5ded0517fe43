import { api, executionPath, STATUSES } from '../api.js'
import { badge, h, message, time } from '../dom.js'
import { poll } from '../poll.js'

const PAGE_SIZE = 20
/** Id search looks at this many of the newest executions (the API lists by status and workflow only). */
const SEARCH_WINDOW = 100

/**
 * Executions, newest first: filters by status and workflow (sent to the API) and by id
 * (an exact id is looked up; otherwise a match within the newest 100), paged by cursor,
 * re-read every two seconds without a reload. Filters live in the address, so a
 * filtered list can be bookmarked or shared.
 */
export function executionsPage(main, { query, signal }) {
  const filters = {
    status: query.get('status') ?? '',
    workflow: query.get('workflow') ?? '',
    q: query.get('q') ?? '',
  }
  const cursors = [null] // the cursor of each page seen so far, for "Newer"
  let page = 0
  let nextCursor = null
  let shown = ''

  const workflowSelect = h(
    'select',
    { id: 'filter-workflow', name: 'workflow' },
    h('option', { value: '' }, 'All workflows'),
  )
  const statusSelect = h(
    'select',
    { id: 'filter-status', name: 'status', value: filters.status },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s }, s.replace('_', ' '))),
  )
  const search = h('input', { id: 'filter-q', name: 'q', type: 'search', value: filters.q, autocomplete: 'off' })
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter executions', onsubmit: (e) => e.preventDefault() },
    h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), statusSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-workflow' }, 'Workflow'), workflowSelect),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'filter-q' }, 'Execution id'),
      h('span', { class: 'hint', id: 'filter-q-hint' }, 'an exact id, or part of one among the newest 100'),
      search,
    ),
  )
  search.setAttribute('aria-describedby', 'filter-q-hint')
  const body = h('tbody')
  const table = h(
    'table',
    { class: 'executions' },
    h('caption', { class: 'visually-hidden' }, 'Executions, newest first'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Execution', 'Workflow', 'Status', 'Step', 'Waiting for', 'Created', 'Updated'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    body,
  )
  const empty = h('p', { class: 'empty', hidden: true }, 'No executions match.')
  const problem = h('div')
  const newer = h('button', { type: 'button', disabled: true }, '← Newer')
  const older = h('button', { type: 'button', disabled: true }, 'Older →')
  const pager = h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages of executions' },
    newer,
    h('span', { class: 'page-number' }),
    older,
  )
  main.append(h('h1', null, 'Executions'), form, problem, h('div', { class: 'table-wrap' }, table), empty, pager)

  const refresh = async () => {
    const rows = await load()
    problem.replaceChildren()
    const key = JSON.stringify(rows)
    if (key === shown) return // unchanged: leave the DOM (and the user's focus) alone
    shown = key
    body.replaceChildren(...rows.map(row))
    empty.hidden = rows.length > 0
    newer.disabled = page === 0
    older.disabled = nextCursor === null
    pager.querySelector('.page-number').textContent = `Page ${page + 1}`
  }
  const load = async () => {
    const params = new URLSearchParams()
    if (filters.status) params.set('status', filters.status)
    if (filters.workflow) params.set('workflow', filters.workflow)
    const q = filters.q.trim()
    if (q === '') {
      params.set('limit', String(PAGE_SIZE))
      if (cursors[page]) params.set('cursor', cursors[page])
      const result = await api('GET', `/executions?${params}`, undefined, { signal })
      nextCursor = result.next_cursor
      return result.executions
    }
    nextCursor = null
    const exact = await api('GET', executionPath(q), undefined, { signal }).catch(() => null)
    if (exact && matches(exact)) return [exact]
    params.set('limit', String(SEARCH_WINDOW))
    const result = await api('GET', `/executions?${params}`, undefined, { signal })
    return result.executions.filter((e) => e.id.toLowerCase().includes(q.toLowerCase()))
  }
  const matches = (e) =>
    (!filters.status || e.status === filters.status) && (!filters.workflow || e.workflow === filters.workflow)
  const restart = () => {
    cursors.length = 1
    page = 0
    shown = ''
    const params = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''))
    history.replaceState(null, '', params.size > 0 ? `/?${params}` : '/')
    void refresh().catch(showProblem)
  }
  const showProblem = (error) => {
    if (error?.name !== 'AbortError') problem.replaceChildren(message('error', error.message))
  }
  statusSelect.addEventListener('change', () => ((filters.status = statusSelect.value), restart()))
  workflowSelect.addEventListener('change', () => ((filters.workflow = workflowSelect.value), restart()))
  let typing = null
  search.addEventListener('input', () => {
    clearTimeout(typing)
    typing = setTimeout(() => ((filters.q = search.value), restart()), 250)
  })
  older.addEventListener('click', () => {
    cursors[page + 1] = nextCursor
    page++
    shown = ''
    void refresh().catch(showProblem)
  })
  newer.addEventListener('click', () => {
    page = Math.max(0, page - 1)
    shown = ''
    void refresh().catch(showProblem)
  })

  api('GET', '/workflows', undefined, { signal })
    .then(({ workflows }) => {
      workflowSelect.append(...workflows.map((w) => h('option', { value: w.name }, w.name)))
      workflowSelect.value = filters.workflow
    })
    .catch(showProblem)
  poll(() => refresh().catch(showProblem), 2000, signal)
}

function row(e) {
  const waits = (e.waiting_for ?? []).map((w) => (w.kind === 'event' ? `event ${w.event}` : w.kind)).join(', ')
  return h(
    'tr',
    { 'data-id': e.id },
    h('td', { 'data-label': 'Execution' }, h('a', { href: executionPath(e.id) }, e.id)),
    h('td', { 'data-label': 'Workflow' }, e.workflow),
    h('td', { 'data-label': 'Status' }, badge(e.status)),
    h('td', { 'data-label': 'Step' }, e.step ?? '—'),
    h('td', { 'data-label': 'Waiting for' }, waits || '—'),
    h('td', { 'data-label': 'Created' }, time(e.created_at)),
    h('td', { 'data-label': 'Updated' }, time(e.updated_at)),
  )
}
