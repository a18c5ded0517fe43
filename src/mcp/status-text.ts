import type { ExecutionView } from '../client/status-view.ts'

/**
 * One or two sentences telling the model what an execution's state means for it and what
 * it may do next. They never tell it to block: checking later is always an option.
 */
export function statusHint(view: ExecutionView): string {
  const id = JSON.stringify(view.id)
  switch (view.status) {
    case 'waiting': {
      const waiting = view.waiting_for
      if (!waiting || waiting.event === null) {
        return `Execution ${id} is sleeping${waiting?.deadline ? ` until ${waiting.deadline}` : ''}; it resumes by itself. Check it later with status.`
      }
      const until = waiting.deadline ? ` (until ${waiting.deadline})` : ''
      const data = waiting.schema === undefined ? '' : ' and data matching waiting_for.schema'
      return (
        `Execution ${id} is waiting for the event ${JSON.stringify(waiting.event)}${until}. ` +
        `If it needs a person's decision, ask them, then call deliver_event with execution_id ${id}, event ${JSON.stringify(waiting.event)}${data}.`
      )
    }
    case 'pending':
    case 'running':
      return `Execution ${id} is ${view.status} and goes on by itself, outside this session. Check it later with status; use wait only if you need the result before doing anything else.`
    case 'completed':
      return `Execution ${id} completed; its result is in output.`
    default:
      return `Execution ${id} ended ${view.status}; the reason is in error. Schedule a new execution to try again.`
  }
}
