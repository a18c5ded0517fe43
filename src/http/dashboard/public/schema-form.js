import { h } from './dom.js'

// Form fields built from a JSON Schema (as zod's toJSONSchema writes it for workflow
// inputs and events). The browser checks nothing itself (forms are `novalidate`): the
// API's answer is the one rule, and its field errors are shown next to the fields.

const LONG_TEXT = /^(note|notes|comment|reason|message|description|body|text)$/i

/**
 * Fields for the properties of an object schema; any other schema (or none) becomes one
 * JSON text box. `skip` names properties the caller renders itself (an `approved` pair).
 * Returns the fields, `read()` for the value to send, and `showErrors(issues)`.
 */
export function schemaFields(schema, { idPrefix, skip = [] }) {
  const properties = isObjectSchema(schema) ? schema.properties : null
  const fields = properties
    ? Object.entries(properties)
        .filter(([name]) => !skip.includes(name))
        .map(([name, prop]) => field(name, prop ?? {}, (schema.required ?? []).includes(name), idPrefix))
    : [jsonField('data', 'Data (JSON)', schema ?? {}, true, idPrefix)]
  const byName = new Map(fields.map((f) => [f.name, f]))
  return {
    elements: fields.map((f) => f.element),
    /** The value to send; a text box that does not hold JSON is reported at once. */
    read() {
      if (!properties) return fields[0].read()
      const value = {}
      for (const f of fields) {
        const v = f.read()
        if (v !== undefined) value[f.name] = v
      }
      return value
    },
    /** Puts each issue next to its field; returns the issues no field took. */
    showErrors(issues) {
      for (const f of fields) f.setError(null)
      const rest = []
      for (const issue of issues) {
        const name = properties ? String(issue.path).split('.')[0] : 'data'
        const target = byName.get(name)
        if (target && (issue.path !== '' || !properties)) target.setError(issue.message)
        else rest.push(issue)
      }
      return rest
    },
  }
}

/** True for `{type: 'object', properties: {...}}`. */
export function isObjectSchema(schema) {
  return Boolean(schema && typeof schema === 'object' && schema.type === 'object' && schema.properties)
}

/** True for an event schema with a boolean `approved`: it becomes an Approve / Reject pair. */
export function isApproval(schema) {
  return isObjectSchema(schema) && schema.properties.approved?.type === 'boolean'
}

function field(name, prop, required, idPrefix) {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type
  if (Array.isArray(prop.enum)) return enumField(name, prop, required, idPrefix)
  if (type === 'boolean') return booleanField(name, prop, idPrefix)
  if (type === 'string' || type === 'number' || type === 'integer')
    return textField(name, prop, type, required, idPrefix)
  return jsonField(name, name, prop, required, idPrefix)
}

/** A labelled control with a hint and an error line, both tied to it for screen readers. */
function wrap(name, labelText, control, prop, required, idPrefix) {
  const id = `${idPrefix}-${name}`
  const hintId = `${id}-hint`
  const errorId = `${id}-error`
  control.id = id
  control.name = name
  const hintText = [prop.description, required ? null : 'optional'].filter(Boolean).join(' · ')
  const hint = hintText ? h('span', { class: 'hint', id: hintId }, hintText) : null
  const error = h('p', { class: 'field-error', id: errorId, hidden: true })
  control.setAttribute('aria-describedby', [hint ? hintId : null, errorId].filter(Boolean).join(' '))
  const element = h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', { for: id }, labelText),
    hint,
    control,
    error,
  )
  return {
    element,
    setError(text) {
      error.hidden = !text
      error.textContent = text ?? ''
      if (text) control.setAttribute('aria-invalid', 'true')
      else control.removeAttribute('aria-invalid')
    },
  }
}

function textField(name, prop, type, required, idPrefix) {
  const long = type === 'string' && (LONG_TEXT.test(name) || (prop.maxLength ?? 0) > 200)
  const numeric = type !== 'string'
  const control = long
    ? h('textarea', { rows: 3 })
    : h('input', {
        type: numeric ? 'number' : 'text',
        step: numeric ? 'any' : undefined,
        inputmode: numeric ? 'decimal' : undefined,
      })
  if (prop.default !== undefined) control.value = String(prop.default)
  const wrapped = wrap(name, name, control, prop, required, idPrefix)
  return {
    ...wrapped,
    name,
    read() {
      const raw = control.value
      if (raw === '') return undefined
      // Not a number: sent as typed, so that the API says what is wrong with it.
      return numeric && raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw
    },
  }
}

function enumField(name, prop, required, idPrefix) {
  const options = prop.enum.map((v) => h('option', { value: JSON.stringify(v) }, String(v)))
  const control = h('select', null, required ? null : h('option', { value: '' }, '—'), options)
  if (prop.default !== undefined) control.value = JSON.stringify(prop.default)
  const wrapped = wrap(name, name, control, prop, required, idPrefix)
  return { ...wrapped, name, read: () => (control.value === '' ? undefined : JSON.parse(control.value)) }
}

function booleanField(name, prop, idPrefix) {
  const control = h('input', { type: 'checkbox', checked: prop.default === true })
  const wrapped = wrap(name, name, control, prop, true, idPrefix)
  wrapped.element.classList.add('field-checkbox')
  return { ...wrapped, name, read: () => control.checked }
}

function jsonField(name, labelText, prop, required, idPrefix) {
  const control = h('textarea', { rows: 4, spellcheck: 'false', class: 'code' })
  if (prop.default !== undefined) control.value = JSON.stringify(prop.default, null, 2)
  const wrapped = wrap(
    name,
    labelText,
    control,
    { ...prop, description: prop.description ?? 'JSON' },
    required,
    idPrefix,
  )
  return {
    ...wrapped,
    name,
    read() {
      if (control.value.trim() === '') return required && name === 'data' ? null : undefined
      try {
        return JSON.parse(control.value)
      } catch {
        wrapped.setError('This is not valid JSON.')
        throw new FieldError()
      }
    },
  }
}

/** Thrown by `read()` when a field cannot become a value; its message is shown already. */
export class FieldError extends Error {}
