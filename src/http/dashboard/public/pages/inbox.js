import { api, executionPath } from '../api.js'
import { fromNow, h, message, time } from '../dom.js'
import { eventForm } from '../event-form.js'
import { poll } from '../poll.js'

/** Pages of waiting executions read per refresh, at most (100 each). */
const MAX_PAGES = 5

/**
 * Every execution waiting for an event, each with a form per awaited event (an approval
 * becomes Approve / Reject plus a note). New ones appear and answered ones go without a
 * reload; a card being filled in is never redrawn under the user's hands.
 */
export function inboxPage(main, { signal }) {
  const list = h('div', { class: 'inbox' })
  const empty = h('p', { class: 'empty', hidden: true }, 'Nothing is waiting for an answer.')
  const problem = h('div')
  main.append(
    h('h1', null, 'Inbox'),
    h('p', { class: 'lead' }, 'Executions waiting for an event. Your answer is delivered to the execution at once.'),
    problem,
    empty,
    list,
  )
  /** key (id + awaited events) → card */
  const cards = new Map()

  const refresh = async () => {
    const waiting = []
    let cursor = null
    for (let i = 0; i < MAX_PAGES; i++) {
      const params = new URLSearchParams({ status: 'waiting', limit: '100' })
      if (cursor) params.set('cursor', cursor)
      const page = await api('GET', `/executions?${params}`, undefined, { signal })
      waiting.push(...page.executions.filter((e) => (e.waiting_for ?? []).some((w) => w.kind === 'event')))
      cursor = page.next_cursor
      if (!cursor) break
    }
    problem.replaceChildren()
    const keys = new Set()
    for (const execution of waiting) {
      const key = `${execution.id}\n${JSON.stringify(execution.waiting_for)}`
      keys.add(key)
      if (!cards.has(key)) cards.set(key, card(execution))
    }
    for (const [key, element] of cards) {
      // Answered cards stay (showing what was sent) until the user leaves the page.
      if (!keys.has(key) && !element.classList.contains('answered')) {
        element.remove()
        cards.delete(key)
      }
    }
    list.append(...[...cards.values()].filter((c) => c.parentNode !== list))
    empty.hidden = cards.size > 0
  }
  poll(
    () =>
      refresh().catch((error) => {
        if (error?.name !== 'AbortError') problem.replaceChildren(message('error', error.message))
      }),
    3000,
    signal,
  )
}

function card(execution) {
  const events = execution.waiting_for.filter((w) => w.kind === 'event')
  const titleId = `card-${encodeURIComponent(execution.id)}`
  const element = h(
    'article',
    { class: 'card', 'aria-labelledby': titleId, 'data-id': execution.id },
    h('h2', { id: titleId }, h('a', { href: executionPath(execution.id) }, execution.id)),
    h(
      'p',
      { class: 'hint' },
      `${execution.workflow} · waiting at `,
      h('code', null, execution.step ?? '—'),
      ' since ',
      time(execution.updated_at),
      execution.deadline ? [' · must finish ', fromNow(execution.deadline)] : '',
    ),
    events.length > 1 ? h('p', { class: 'hint' }, 'Any one of these answers resumes it.') : null,
    events.map((entry) => eventForm(execution, entry, { onDelivered: () => element.classList.add('answered') })),
  )
  return element
}
