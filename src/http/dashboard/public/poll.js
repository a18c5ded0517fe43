/**
 * Runs `tick` now and every `ms` until `signal` aborts, skipping while the tab is hidden
 * (and catching up when it shows again). Live updates by polling the REST API: simple,
 * and it works through any proxy.
 */
export function poll(tick, ms, signal) {
  let timer = null
  let running = false
  const run = async () => {
    if (signal.aborted || running) return
    if (document.hidden) return schedule()
    running = true
    try {
      await tick()
    } catch (error) {
      if (error?.name !== 'AbortError') console.error(error)
    } finally {
      running = false
      schedule()
    }
  }
  const schedule = () => {
    if (!signal.aborted) timer = setTimeout(run, ms)
  }
  const onVisible = () => {
    if (!document.hidden) {
      clearTimeout(timer)
      void run()
    }
  }
  document.addEventListener('visibilitychange', onVisible)
  signal.addEventListener('abort', () => {
    clearTimeout(timer)
    document.removeEventListener('visibilitychange', onVisible)
  })
  void run()
}
