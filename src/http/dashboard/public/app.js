import { h, message } from './dom.js'
import { navigate, NAVIGATE } from './nav.js'
import { executionPage } from './pages/execution.js'
import { executionsPage } from './pages/executions.js'
import { inboxPage } from './pages/inbox.js'
import { workflowsPage } from './pages/workflows.js'

// A small router over the History API: each page is a function that fills <main> and
// gets an AbortSignal, aborted when the user goes elsewhere (it stops the page's polling).

const routes = [
  { pattern: /^\/$/, page: executionsPage, nav: 'executions', title: 'Executions' },
  { pattern: /^\/inbox$/, page: inboxPage, nav: 'inbox', title: 'Inbox' },
  { pattern: /^\/workflows$/, page: workflowsPage, nav: 'workflows', title: 'Workflows' },
  { pattern: /^\/executions\/([^/]+)$/, page: executionPage, nav: 'executions', title: 'Execution' },
]

let current = null

function render({ focus }) {
  current?.abort()
  current = new AbortController()
  const main = document.getElementById('main')
  const route = routes.find((r) => r.pattern.test(location.pathname))
  for (const a of document.querySelectorAll('nav a[data-page]')) {
    if (route && a.dataset.page === route.nav) a.setAttribute('aria-current', 'page')
    else a.removeAttribute('aria-current')
  }
  main.replaceChildren()
  if (!route) {
    document.title = 'Not found · zart'
    main.append(
      h('h1', null, 'Not found'),
      message('error', 'There is no page here. ', h('a', { href: '/' }, 'See the executions')),
    )
    return
  }
  document.title = `${route.title} · zart`
  const params = route.pattern.exec(location.pathname).slice(1).map(decodeURIComponent)
  route.page(main, { params, query: new URLSearchParams(location.search), signal: current.signal })
  // After a navigation, move focus to the new content so keyboard and screen reader users land there.
  if (focus) main.focus({ preventScroll: false })
}

document.addEventListener('click', (event) => {
  const a = event.target instanceof Element ? event.target.closest('a[href]') : null
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return
  const url = new URL(a.href, location.href)
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || a.target) return
  event.preventDefault()
  navigate(url.pathname + url.search)
})
window.addEventListener('popstate', () => render({ focus: true }))
window.addEventListener(NAVIGATE, () => render({ focus: true }))
render({ focus: false })
