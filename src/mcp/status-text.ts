import type { ExecutionView } from '../client/status-view.ts'

/**
 * One or two sentences telling the model what an execution's state means for it and what
 * it may do next. They never tell it to block: checking later is always an option.
 */
export function statusHint(view: ExecutionView): string {
  const id = JSON.stringify(view.id)
  switch (view.status) {
    case 'waiting': {
      const events = (view.waiting_for ?? []).filter((w) => w.kind === 'event' && w.event !== undefined)
      const children = (view.waiting_for ?? []).flatMap((w) => (w.kind === 'child' && w.child ? [w.child] : []))
      if (events.length === 0 && children.length > 0) {
        const ids = children.map((c) => JSON.stringify(c)).join(', ')
        return `Execution ${id} is waiting for its child execution${children.length > 1 ? 's' : ''} ${ids} to end; it resumes by itself. Check them (or it) later with status.`
      }
      if (events.length === 0) {
        const until = view.waiting_for?.map((w) => w.deadline).find((d) => d !== null)
        return `Execution ${id} is sleeping${until ? ` until ${until}` : ''}; it resumes by itself. Check it later with status.`
      }
      const names = events.map((w) => JSON.stringify(w.event)).join(' or ')
      const until = events.map((w) => w.deadline).find((d) => d !== null)
      const data = events.some((w) => w.schema !== undefined) ? ' and data matching its schema in waiting_for' : ''
      const either = events.length > 1 ? '; any one of them resumes it' : ''
      const what = events.length > 1 ? 'the event name' : `event ${names}`
      return (
        `Execution ${id} is waiting for the event ${names}${until ? ` (until ${until})` : ''}${either}. ` +
        `If it needs a person's decision, ask them, then call deliver_event with execution_id ${id}, ${what}${data}.` +
        (view.hint ? ` Note: ${view.hint}.` : '')
      )
    }
    case 'pending':
    case 'running':
      if (view.hint) return `Execution ${id} is ${view.status} but does not move: ${view.hint}.`
      return `Execution ${id} is ${view.status} and goes on by itself, outside this session. Check it later with status; use wait only if you need the result before doing anything else.`
    case 'completed':
      return `Execution ${id} completed; its result is in output.`
    default:
      return `Execution ${id} ended ${view.status}; the reason is in error. Schedule a new execution to try again.`
  }
}
