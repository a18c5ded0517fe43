import { api, ApiError, executionPath } from './api.js'
import { announce, fromNow, h, message, time } from './dom.js'
import { FieldError, isApproval, schemaFields } from './schema-form.js'

let forms = 0

/**
 * A form that delivers one awaited event through `POST /api/v1/events/{id}/{name}`,
 * built from the event's JSON Schema. A schema with a boolean `approved` becomes an
 * Approve / Reject pair (plus its other fields, such as a note).
 */
export function eventForm(execution, entry, { onDelivered } = {}) {
  const idPrefix = `event-${++forms}`
  const approval = isApproval(entry.schema)
  const fields = schemaFields(entry.schema, { idPrefix, skip: approval ? ['approved'] : [] })
  const feedback = h('div', { class: 'feedback' })
  const buttons = approval
    ? [
        h('button', { type: 'submit', name: 'decision', value: 'approve', class: 'approve' }, 'Approve'),
        h('button', { type: 'submit', name: 'decision', value: 'reject', class: 'reject' }, 'Reject'),
      ]
    : [h('button', { type: 'submit' }, `Send ${entry.event}`)]
  const headingId = `${idPrefix}-title`
  const form = h(
    'form',
    { class: 'event-form', novalidate: true, 'aria-labelledby': headingId },
    h('h3', { id: headingId }, approval ? 'Decision: ' : 'Event: ', h('code', null, entry.event)),
    entry.deadline
      ? h('p', { class: 'hint' }, 'Answer by ', time(entry.deadline), ` (${fromNow(entry.deadline)})`)
      : null,
    fields.elements,
    feedback,
    h('div', { class: 'actions' }, buttons),
  )
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    feedback.replaceChildren()
    let data
    try {
      data = fields.read()
    } catch (error) {
      if (error instanceof FieldError) return
      throw error
    }
    if (approval) data = { approved: event.submitter?.value === 'approve', ...data }
    for (const b of buttons) b.disabled = true
    try {
      const path = `/events/${encodeURIComponent(execution.id)}/${encodeURIComponent(entry.event)}`
      const result = await api('POST', path, data)
      const what = approval ? (data.approved ? 'Approved' : 'Rejected') : `Sent ${entry.event}`
      form.replaceChildren(
        message(
          'info',
          `${what}: ${result.result}. The execution is now ${result.status}. `,
          h('a', { href: executionPath(execution.id) }, 'Open it'),
        ),
      )
      announce(`${what} ${execution.id}`)
      onDelivered?.(result)
    } catch (error) {
      for (const b of buttons) b.disabled = false
      if (!(error instanceof ApiError)) throw error
      const rest = fields.showErrors(error.errors)
      if (rest.length > 0 || error.errors.length === 0) feedback.append(message('error', error.message))
      else announce('The answer has errors: see the fields.')
    }
  })
  return form
}
