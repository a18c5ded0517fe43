import { api, ApiError, executionPath } from '../api.js'
import { announce, duration, h, message } from '../dom.js'
import { jsonView } from '../json-view.js'
import { navigate } from '../nav.js'
import { FieldError, schemaFields } from '../schema-form.js'

/**
 * Each workflow this server runs: its description, options, input and event schemas,
 * and a form built from the input schema that schedules it (`POST /api/v1/executions`).
 */
export function workflowsPage(main, { signal }) {
  const problem = h('div')
  const list = h('div', { class: 'workflows' })
  main.append(h('h1', null, 'Workflows'), problem, list)
  Promise.all([
    api('GET', '/workflows', undefined, { signal }),
    api('GET', '/schedules', undefined, { signal }).catch(() => ({ schedules: [] })),
  ])
    .then(([{ workflows }, { schedules }]) => {
      if (workflows.length === 0)
        list.append(h('p', { class: 'empty' }, 'This server has no workflows: start it with --workflows.'))
      list.append(
        ...workflows.map((w) =>
          section(
            w,
            schedules.filter((s) => s.workflow === w.name),
          ),
        ),
      )
    })
    .catch((error) => {
      if (error?.name !== 'AbortError') problem.append(message('error', error.message))
    })
}

/** A cron schedule in one line: `nightly: 0 3 * * * (Europe/Berlin), next 2026-…` or `paused`. */
function scheduleLine(s) {
  return `${s.name}: ${s.cron} (${s.timezone}), ${s.paused ? 'paused' : `next ${s.next_tick_at ?? 'none'}`}`
}

function section(workflow, schedules) {
  const slug = workflow.name.replace(/[^A-Za-z0-9_-]/g, '_')
  const titleId = `wf-${slug}`
  const events = Object.entries(workflow.events ?? {})
  return h(
    'section',
    { class: 'card', 'aria-labelledby': titleId, 'data-workflow': workflow.name },
    h('h2', { id: titleId }, workflow.name),
    workflow.description ? h('p', null, workflow.description) : null,
    h(
      'dl',
      { class: 'summary' },
      h('dt', null, 'Timeout'),
      h('dd', null, workflow.timeout_ms === null ? 'none' : duration(workflow.timeout_ms)),
      h('dt', null, 'Retries of the whole run'),
      h('dd', null, String(workflow.max_retries)),
      h('dt', null, 'Events'),
      h('dd', null, events.length === 0 ? 'none' : events.map(([name]) => name).join(', ')),
      h('dt', null, 'Cron schedules'),
      h('dd', null, schedules.length === 0 ? 'none' : schedules.map(scheduleLine).join('; ')),
    ),
    h(
      'details',
      null,
      h('summary', null, 'Input schema'),
      jsonView(workflow.input_schema, { label: `Input schema of ${workflow.name}` }),
    ),
    events.map(([name, schema]) =>
      h(
        'details',
        null,
        h('summary', null, `Event schema: ${name}`),
        jsonView(schema, { label: `Schema of event ${name}` }),
      ),
    ),
    scheduleForm(workflow, slug),
  )
}

function scheduleForm(workflow, slug) {
  const idPrefix = `schedule-${slug}`
  const fields = schemaFields(workflow.input_schema, { idPrefix })
  const idInput = h('input', { id: `${idPrefix}--id`, name: 'id', type: 'text', autocomplete: 'off' })
  const idError = h('p', { class: 'field-error', id: `${idPrefix}--id-error`, hidden: true })
  idInput.setAttribute('aria-describedby', `${idPrefix}--id-hint ${idPrefix}--id-error`)
  const feedback = h('div', { class: 'feedback' })
  const button = h('button', { type: 'submit' }, `Schedule ${workflow.name}`)
  const form = h(
    'form',
    { class: 'schedule', novalidate: true, 'aria-label': `Schedule ${workflow.name}` },
    h('h3', null, 'Schedule'),
    fields.elements,
    h(
      'div',
      { class: 'field', 'data-field': 'id' },
      h('label', { for: idInput.id }, 'Execution id'),
      h(
        'span',
        { class: 'hint', id: `${idPrefix}--id-hint` },
        'optional · the same id and input again return the same execution',
      ),
      idInput,
      idError,
    ),
    feedback,
    h('div', { class: 'actions' }, button),
  )
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    feedback.replaceChildren()
    idError.hidden = true
    idInput.removeAttribute('aria-invalid')
    let data
    try {
      data = fields.read()
    } catch (error) {
      if (error instanceof FieldError) return
      throw error
    }
    const body = { workflow: workflow.name, data, ...(idInput.value.trim() !== '' && { id: idInput.value.trim() }) }
    button.disabled = true
    try {
      const result = await api('POST', '/executions', body)
      announce(`Scheduled ${result.execution_id}`)
      navigate(executionPath(result.execution_id))
    } catch (error) {
      button.disabled = false
      if (!(error instanceof ApiError)) throw error
      // Request-level issues name `body.…`; the workflow's own checks name fields of the data.
      const dataIssues = error.errors.filter((i) => !String(i.path).startsWith('body'))
      const idIssue = error.errors.find((i) => i.path === 'body.id')
      if (idIssue) {
        idError.textContent = idIssue.message
        idError.hidden = false
        idInput.setAttribute('aria-invalid', 'true')
      }
      const rest = fields.showErrors(dataIssues)
      const unplaced =
        rest.length + error.errors.filter((i) => String(i.path).startsWith('body') && i !== idIssue).length
      if (unplaced > 0 || error.errors.length === 0) feedback.append(message('error', error.message))
      else announce('The input has errors: see the fields.')
    }
  })
  return form
}
