import { api, ApiError, executionPath, isTerminal } from '../api.js'
import { announce, append, badge, duration, fromNow, h, link, message, time } from '../dom.js'
import { eventForm } from '../event-form.js'
import { jsonView } from '../json-view.js'
import { poll } from '../poll.js'

/**
 * One execution: what it is, what it waits for (with a form for each awaited event), a
 * timeline of its steps, waits, sleeps and retries, its output or error as folding JSON,
 * and Cancel behind a confirmation. Re-read every two seconds until it has finished.
 */
export function executionPage(main, { params: [id], signal }) {
  const heading = h('h1', null, 'Execution ', h('code', null, id))
  const summary = h('section', { 'aria-label': 'Summary' })
  const waiting = h('section', { 'aria-labelledby': 'waiting-title' })
  const timeline = h('section', { 'aria-labelledby': 'timeline-title' })
  const result = h('section', { 'aria-label': 'Result' })
  const problem = h('div')
  const actions = h('div', { class: 'actions' })
  main.append(heading, problem, summary, actions, waiting, timeline, result)

  const dialog = cancelDialog(id, () => refresh())
  main.append(dialog)
  const cancelButton = h(
    'button',
    { type: 'button', class: 'danger', onclick: () => ((dialog.returnValue = ''), dialog.showModal()) },
    'Cancel execution…',
  )

  let shown = ''
  let waitsShown = ''
  let finished = false
  const refresh = async () => {
    if (finished) return
    let view
    try {
      view = await api('GET', `${executionPath(id)}?steps=true`, undefined, { signal })
    } catch (error) {
      if (error instanceof ApiError) problem.replaceChildren(message('error', error.message))
      if (error instanceof ApiError && error.code === 'EXECUTION_NOT_FOUND') finished = true
      return
    }
    problem.replaceChildren()
    finished = isTerminal(view.status)
    const key = JSON.stringify(view)
    if (key === shown) return
    shown = key
    summary.replaceChildren(summaryList(view))
    actions.replaceChildren(...(finished ? [] : [cancelButton]))
    // The event forms are rebuilt only when what is awaited changes, so typing is kept.
    const waits = JSON.stringify(view.waiting_for ?? [])
    if (waits !== waitsShown) {
      waitsShown = waits
      waiting.replaceChildren()
      append(waiting, waitingFor(view, refresh))
    }
    timeline.replaceChildren(h('h2', { id: 'timeline-title' }, 'Timeline'), steps(view))
    result.replaceChildren(...outcome(view))
  }
  poll(refresh, 2000, signal)
}

function summaryList(view) {
  const items = [
    ['Status', badge(view.status)],
    ['Workflow', view.workflow],
    ['Current step', view.step ?? '—'],
    ['Attempt', String(view.attempt)],
    ['Created', time(view.created_at)],
    ['Updated', time(view.updated_at)],
    view.run_at ? ['Runs at', [time(view.run_at), ` (${fromNow(view.run_at)})`]] : null,
    view.deadline
      ? ['Deadline', [time(view.deadline), isTerminal(view.status) ? '' : ` (${fromNow(view.deadline)})`]]
      : null,
    view.version ? ['Version', h('code', null, view.version)] : null,
    view.progress ? ['Progress', progressText(view.progress)] : null,
    view.hint ? ['Note', h('span', { class: 'hint' }, view.hint)] : null,
    view.idempotency_key ? ['Idempotency key', h('code', null, view.idempotency_key)] : null,
    view.parent_id ? ['Parent', executionLink(view.parent_id)] : null,
    view.children?.length
      ? [
          'Children',
          h(
            'ul',
            { class: 'children' },
            view.children.map((c) => h('li', null, executionLink(c.id), ' ', badge(c.status))),
          ),
        ]
      : null,
  ].filter(Boolean)
  return h(
    'dl',
    { class: 'summary' },
    items.map(([term, value]) => [h('dt', null, term), h('dd', null, value)]),
  )
}

function waitingFor(view, refresh) {
  const entries = view.waiting_for ?? []
  if (entries.length === 0) return []
  return [
    h('h2', { id: 'waiting-title' }, 'Waiting for'),
    entries.length > 1 ? h('p', { class: 'hint' }, 'Any one of these resumes it.') : null,
    entries.map((entry) =>
      entry.kind === 'event'
        ? eventForm(view, entry, { onDelivered: () => setTimeout(refresh, 300) })
        : entry.kind === 'child'
          ? h('p', { class: 'wait' }, 'The end of child execution ', executionLink(entry.child))
          : h(
              'p',
              { class: 'wait' },
              entry.kind === 'sleep' ? 'Sleeping at ' : 'Retrying step ',
              h('code', null, entry.step),
              entry.deadline ? [' until ', time(entry.deadline), ` (${fromNow(entry.deadline)})`] : '',
            ),
    ),
  ]
}

const KIND_LABEL = { step: 'Step', wait: 'Wait for event', sleep: 'Sleep', patch: 'Patch', child: 'Child workflow' }

/** A link to another execution's page, its id as code. */
function executionLink(id) {
  return link(executionPath(id), h('code', null, id))
}

/** The execution a child call started, when the parent's status lists it. */
function childOf(view, step) {
  const id = `${view.id}/${step.name.replace('#', '-')}`
  return view.children?.find((c) => c.id === id)
}

function steps(view) {
  const list = view.steps ?? []
  if (list.length === 0) return h('p', { class: 'empty' }, 'No step has started yet.')
  return h(
    'ol',
    { class: 'timeline' },
    list.map((s) => {
      const end = s.finished_at ? Date.parse(s.finished_at) : Date.now()
      const took = duration(end - Date.parse(s.started_at))
      return h(
        'li',
        { class: `timeline-item kind-${s.kind} status-${s.status}`, 'data-step': s.name },
        h(
          'div',
          { class: 'timeline-head' },
          h('span', { class: 'kind' }, KIND_LABEL[s.kind] ?? s.kind),
          ' ',
          h('strong', null, s.name),
          ' ',
          badge(s.status),
          s.kind === 'child' && childOf(view, s) ? [' ', executionLink(childOf(view, s).id)] : null,
        ),
        h(
          'p',
          { class: 'timeline-meta' },
          'started ',
          time(s.started_at),
          s.finished_at ? ` · took ${took}` : ` · ${took} so far`,
          s.attempts > 1 ? ` · ${s.attempts} attempts` : ' · 1 attempt',
        ),
        s.error !== undefined && s.error !== null
          ? h(
              'div',
              { class: 'timeline-error' },
              h('span', null, 'Error of the last attempt:'),
              jsonView(s.error, { label: `Error of ${s.name}` }),
            )
          : null,
      )
    }),
  )
}

/** `40% · copied 400 of 1000 rows` from a status's progress. */
function progressText(progress) {
  const parts = []
  if (progress.fraction !== undefined) parts.push(`${Math.round(progress.fraction * 100)}%`)
  if (progress.message !== undefined) parts.push(progress.message)
  return parts.join(' · ') || '—'
}

function outcome(view) {
  const parts = []
  if (view.input !== undefined) parts.push(h('h2', null, 'Input'), jsonView(view.input, { label: 'Input' }))
  if (view.output !== undefined) parts.push(h('h2', null, 'Output'), jsonView(view.output, { label: 'Output' }))
  if (view.error !== undefined && view.error !== null)
    parts.push(h('h2', null, 'Error'), jsonView(view.error, { label: 'Error' }))
  return parts
}

/** A modal that asks before cancelling: Escape or "Keep it" closes it and nothing happens. */
function cancelDialog(id, done) {
  const feedback = h('div')
  const titleId = 'cancel-title'
  const dialog = h(
    'dialog',
    { class: 'confirm', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, 'Cancel this execution?'),
    h('p', null, 'It stops for good: no step of ', h('code', null, id), ' runs after this, and it cannot be resumed.'),
    feedback,
    h(
      'form',
      { method: 'dialog', class: 'actions' },
      h('button', { value: 'keep', autofocus: true }, 'Keep it'),
      h('button', { value: 'cancel', class: 'danger' }, 'Cancel execution'),
    ),
  )
  dialog.addEventListener('close', async () => {
    if (dialog.returnValue !== 'cancel') return
    try {
      await api('POST', `${executionPath(id)}/cancel`)
      announce(`Cancelled ${id}`)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      announce(error.message)
      alertAfter(dialog, error.message)
    }
    done()
  })
  return dialog
}

function alertAfter(dialog, text) {
  dialog.after(message('error', text))
}
