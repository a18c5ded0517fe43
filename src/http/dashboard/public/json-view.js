import { h } from './dom.js'

/**
 * JSON as a tree of <details>: objects and arrays fold (keyboard and screen readers know
 * <details> natively), scalars show as they would in JSON. The top level and small
 * values start open; deep or large ones start folded.
 */
export function jsonView(value, { label = 'JSON', open = true } = {}) {
  return h('div', { class: 'json', role: 'group', 'aria-label': label }, node(value, null, 0, open))
}

function node(value, key, depth, open) {
  const name = key === null ? null : h('span', { class: 'json-key' }, `${key}: `)
  if (value === null || typeof value !== 'object') {
    return h('div', { class: 'json-line' }, name, scalar(value))
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
  const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}']
  if (entries.length === 0) return h('div', { class: 'json-line' }, name, brackets.join(''))
  const summary = h(
    'summary',
    null,
    name,
    `${brackets[0]} `,
    h('span', { class: 'json-count' }, `${entries.length} ${Array.isArray(value) ? 'items' : 'keys'}`),
    ` ${brackets[1]}`,
  )
  const startOpen = open && (depth === 0 || (depth < 3 && entries.length <= 12))
  return h(
    'details',
    { open: startOpen },
    summary,
    h(
      'div',
      { class: 'json-children' },
      entries.map(([k, v]) => node(v, k, depth + 1, open)),
    ),
  )
}

function scalar(value) {
  const kind = value === null ? 'null' : typeof value
  return h('span', { class: `json-${kind}` }, JSON.stringify(value) ?? String(value))
}
