/**
 * zart: durable execution for TypeScript. The public API, named export by export.
 *
 * @example
 * import { createZart, defineWorkflow, RetryConfig } from 'zart'
 */
export { createZart, Zart } from './client/zart.ts'
export type {
  ZartOptions,
  ScheduleOptions,
  ScheduleResult,
  DeliverResult,
  ListOptions,
  ListResult,
  WaitResult,
  WorkflowInfo,
  EngineMetrics,
  QueueDepthView,
  WorkflowDepthView,
  ScheduleInput,
  ScheduleView,
  AddScheduleResult,
  RemoveScheduleResult,
  QueueView,
} from './client/zart.ts'
export type { QueueLimits, QueueOptions, QueueDefinition, DedupeOptions } from './queues.ts'
export type { ChildView, ExecutionView, StepView, WaitingFor } from './client/status-view.ts'
export { defineWorkflow, fromTaskHandler } from './engine/workflow.ts'
export type {
  WorkflowDefinition,
  WorkflowOptions,
  WorkflowSchedule,
  TaskHandler,
  WorkflowLike,
} from './engine/workflow.ts'
export type { WorkflowContext, StepInfo, StepOptions, WaitOptions } from './engine/context.ts'
export type { ChildHandle, ChildOptions } from './engine/child.ts'
export { RetryConfig } from './engine/retry-policy.ts'
export type { RetryPolicy, Backoff, RetryOptions } from './engine/retry-policy.ts'
export type { WorkerOptions } from './engine/worker.ts'
export { jsonLogger, silentLogger } from './engine/logger.ts'
export type { Logger } from './engine/logger.ts'
export { ZartError, NonRetryableError, EventTimeoutError, StepFailedError, ChildFailedError } from './errors.ts'
export type { ErrorCode, FieldIssue, SerializedError } from './errors.ts'
export { parseDuration } from './duration.ts'
export type { Duration } from './duration.ts'
export type { Clock } from './clock.ts'
export { openStore, defaultDatabaseUrl } from './storage/open-store.ts'
export { SqliteStore } from './storage/sqlite/sqlite-store.ts'
export type * from './storage/store.ts'
