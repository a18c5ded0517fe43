import { createHash, randomBytes } from 'node:crypto'
import type { CreateTaskOptions, TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js'
import type { CallToolResult, Request, RequestId, Result, Task } from '@modelcontextprotocol/sdk/types.js'
import type { Zart } from '../client/zart.ts'
import { isZartError } from '../errors.ts'
import { taskResult, toTask } from './task-state.ts'

/** What `run_workflow` puts in `createTask`'s context: the execution the task is. */
export const EXECUTION_KEY = 'executionId'

/**
 * The MCP SDK's `TaskStore` on zart's own database, for the 2025-11-25 tasks wire format.
 * A task IS an execution: the row maps an unguessable task id to the execution and its
 * owner; status, result and cancellation are the execution's. So any server process on the
 * database answers for any task, after a restart too. The SDK's `sessionId` is ignored on
 * purpose (tasks outlive sessions); a task is bound to `owner` instead (a digest of the
 * bearer token over HTTP, '' without one).
 *
 * A tool called without `params.task` on a task-capable tool also goes through
 * `createTask` (the SDK then polls it to the end); those calls get a transient, in-memory
 * task whose result the tool settles itself (`isDirect`, `settleDirect`), with no row.
 */
export class ExecutionTaskStore implements TaskStore {
  private readonly direct = new Map<string, { task: Task; result?: CallToolResult }>()

  private readonly client: Promise<Zart>
  private readonly owner: string

  /** `client` may still be opening: each call waits for it. */
  constructor(client: Promise<Zart>, owner: string) {
    this.client = client
    this.owner = owner
  }

  async createTask(params: CreateTaskOptions, _id: RequestId, request: Request): Promise<Task> {
    const executionId = params.context?.[EXECUTION_KEY]
    if (typeof executionId !== 'string') throw new Error(`createTask needs context.${EXECUTION_KEY}`)
    const view = await (await this.client).status(executionId)
    const now = Date.now()
    if (request.params?.task === undefined) {
      const task = {
        ...toTask(
          {
            id: `direct-${randomBytes(12).toString('hex')}`,
            executionId,
            owner: this.owner,
            ttlMs: null,
            createdAt: now,
          },
          view,
          now,
        ),
      }
      this.direct.set(task.taskId, { task })
      return task
    }
    const record = await (await this.client).createTask(executionId, this.owner)
    return toTask(record, view, now)
  }

  /** True for the transient task of a call made without `params.task`. */
  isDirect(taskId: string): boolean {
    return this.direct.has(taskId)
  }

  /** Ends a transient task with the tool's own result; returns the task as finished. */
  settleDirect(taskId: string, result: CallToolResult): Task {
    const entry = this.direct.get(taskId)
    if (!entry) throw new Error(`no transient task ${taskId}`)
    entry.result = result
    return { ...entry.task, status: 'completed' }
  }

  async getTask(taskId: string): Promise<Task | null> {
    const direct = this.direct.get(taskId)
    if (direct) return direct.result ? { ...direct.task, status: 'completed' } : direct.task
    const found = await this.find(taskId)
    return found && toTask(found.record, found.view, Date.now())
  }

  async getTaskResult(taskId: string): Promise<Result> {
    const direct = this.direct.get(taskId)
    if (direct?.result) {
      this.direct.delete(taskId)
      return direct.result
    }
    const found = await this.find(taskId)
    if (!found) throw new Error(`task not found: ${taskId}`)
    return taskResult(found.view)
  }

  /** Results are the execution's own: nothing to store. */
  async storeTaskResult(): Promise<void> {}

  /** `tasks/cancel` cancels the execution; other statuses follow the execution and are not set from outside. */
  async updateTaskStatus(taskId: string, status: Task['status']): Promise<void> {
    if (status !== 'cancelled') return
    const record = await (await this.client).getTask(taskId, this.owner)
    if (!record) return
    try {
      await (await this.client).cancel(record.executionId)
    } catch (error) {
      // Finished meanwhile: the task then shows how it really ended.
      if (!isZartError(error) || error.code !== 'EXECUTION_TERMINAL') throw error
    }
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const page = await (await this.client).listTasks(this.owner, cursor)
    const now = Date.now()
    const tasks = await Promise.all(
      page.tasks.map(async (record) => {
        const view = await (await this.client).status(record.executionId).catch(() => null)
        return view && toTask(record, view, now)
      }),
    )
    return {
      tasks: tasks.filter((t): t is Task => t !== null),
      ...(page.nextCursor !== null && { nextCursor: page.nextCursor }),
    }
  }

  private async find(taskId: string) {
    const record = await (await this.client).getTask(taskId, this.owner)
    if (!record) return null
    try {
      return { record, view: await (await this.client).status(record.executionId) }
    } catch (error) {
      if (isZartError(error) && error.code === 'EXECUTION_NOT_FOUND') return null
      throw error
    }
  }
}

/** The owner of tasks made under an `Authorization: Bearer` header: a digest, never the token itself. */
export function taskOwner(authorization: string | undefined): string {
  const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]
  return token === undefined ? '' : createHash('sha256').update(token).digest('hex')
}
