// The public surface of `braid`: each area declares its exports in its own index.ts.
export * from './core/index.js';
export * from './communication/index.js';
export * from './executors/index.js';
// Task definitions are light (no store, no server), so a tasks module that a worker imports takes them
// from 'braid'; the task service itself (TaskService, stores, HTTP server, dashboard) is 'braid/jobs'.
export { defineTask, isTaskDefinition } from './jobs/define-task.js';
export type { BackoffOptions, TaskDefinition, TaskOptions } from './jobs/define-task.js';
export { currentJob } from './jobs/service/job-context.js';
export type { JobContext } from './jobs/service/job-context.js';
