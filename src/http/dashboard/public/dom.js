// Small helpers to build the DOM without a framework: text always goes in as text nodes,
// never as HTML, so nothing an execution holds can inject markup.

/**
 * Creates an element. Attributes are set after the children, so a select's `value`
 * can name one of its options; `on…` keys add listeners; false and null are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag)
  append(el, children)
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value)
    else if (key === 'class') el.className = value
    else if (key === 'value' || key === 'checked') el[key] = value
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  return el
}

/** Appends children (nodes, strings, numbers, nested arrays), skipping empty ones. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(child instanceof Node ? child : String(child))
  }
  return el
}

/** A link inside the dashboard (the router handles it without a reload). */
export function link(href, ...children) {
  return h('a', { href }, ...children)
}

/** A status as a badge: its name in words, the colour only a help. */
export function badge(status) {
  return h('span', { class: `badge badge-${status}` }, status.replace('_', ' '))
}

/** A local date and time, or a dash. */
export function time(iso) {
  if (!iso) return '—'
  const date = new Date(iso)
  return h('time', { datetime: iso, title: iso }, date.toLocaleString())
}

/** A duration in ms as `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function duration(ms) {
  if (ms < 0 || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`
  const units = [
    ['d', 86400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ]
  const parts = []
  let rest = Math.round(s)
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`)
      rest %= size
    }
    if (parts.length === 2) break
  }
  return parts.join(' ')
}

/** How far a time is from now, e.g. `in 23 h 59 min` or `5 min ago`. */
export function fromNow(iso) {
  const ms = Date.parse(iso) - Date.now()
  return ms >= 0 ? `in ${duration(ms)}` : `${duration(-ms)} ago`
}

/** Tells screen readers what just happened (the region is polite: it waits its turn). */
export function announce(text) {
  const region = document.getElementById('announce')
  if (region) region.textContent = text
}

/** A message box; `kind` is info or error (an error is read out at once). */
export function message(kind, ...children) {
  return h('div', { class: `message message-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children)
}
