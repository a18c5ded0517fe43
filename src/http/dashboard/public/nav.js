/** The event app.js listens for to draw the page of the new address. */
export const NAVIGATE = 'zart:navigate'

/** Goes to a path of the dashboard without reloading. */
export function navigate(path) {
  history.pushState(null, '', path)
  window.dispatchEvent(new Event(NAVIGATE))
}
