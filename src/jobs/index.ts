// Public surface of the jobs layer (`braid/jobs`): task definitions, the task service, its stores, HTTP API and dashboard.
export { TaskStoreError } from './store/task-store-error.js';
export type { TaskStoreErrorCode } from './store/task-store-error.js';
export { SqliteTaskStore } from './store/sqlite/sqlite-task-store.js';
export type { SqliteTaskStoreOptions } from './store/sqlite/sqlite-task-store.js';
export type {
  ClaimTasksOptions,
  CreateTaskInput,
  CreateTaskResult,
  EventsSinceOptions,
  FailTaskInput,
  Fenced,
  FinishedStatus,
  Lease,
  ListTasksOptions,
  PurgeFinishedOptions,
  PurgeResult,
  RequestedStatus,
  RequeueExpiredOptions,
  StatusRequest,
  Task,
  TaskCount,
  TaskError,
  TaskEvent,
  TaskEventKind,
  TaskPage,
  TaskStatus,
  TaskStore,
} from './store/task-store.js';
// The dashboard page (served at `/` by the HTTP layer).
export { dashboardHtml, dashboardContentSecurityPolicy } from './dashboard/dashboard.js';
export type { DashboardOptions } from './dashboard/dashboard.js';
// The HTTP API over a task service (fastify): routes, SSE, metrics, OpenAPI, token auth.
export { createServer, serve } from './http/server.js';
export type { ServerOptions, ServeOptions, ServingServer } from './http/server.js';
export type { ServedTaskService } from './http/served-service.js';
export type { ApiErrorBody, ApiErrorCode } from './http/api-error.js';
// The task service: task definitions, the service (runner, leases, cancel/pause, retries, checkpoints, events).
export { defineTask, isTaskDefinition } from './define-task.js';
export type { BackoffOptions, TaskDefinition, TaskOptions } from './define-task.js';
export { currentJob } from './service/job-context.js';
export type { JobContext } from './service/job-context.js';
export { TaskService } from './service/task-service.js';
export type { CreateOptions, EventsOptions, ListOptions, TaskServiceOptions, TaskTypeInfo } from './service/task-service.js';
export { TaskServiceError } from './service/task-service-error.js';
export type { TaskServiceErrorCode } from './service/task-service-error.js';
export type { TaskView } from './service/task-view.js';
export { DURATION_BUCKETS } from './service/task-durations.js';
export type { TaskDurations } from './service/task-durations.js';
export { backoffDelay } from './service/backoff.js';
