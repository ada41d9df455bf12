// Public surface of the executors: one task API over the event loop, worker threads and child processes.
export { runtime, Runtime } from './runtime.js';
export type { RuntimeOptions, RunOptions, ModuleOptions, RuntimeStats, PoolSize, HostFunction, ActorPlacementOptions, ActorFactoryExport, MessageOf, ReplyOf } from './runtime.js';
export type { ModuleProxy } from './module-proxy.js';
export type { PoolStats } from './stats.js';
export { currentTask } from './current-task.js';
export type { TaskContext, Placement } from './current-task.js';
export { callHost, callHostSync } from './bridges.js';
export { WorkerCrashedError, QueueFullError, RuntimeClosedError } from './errors.js';
export type { CrashedTask, WorkerCrashedErrorOptions } from './errors.js';
export { registerErrorClass } from './error-serialization.js';
export { runSync } from './run-sync.js';
export type { RunSync, RunSyncOptions, SyncModule } from './run-sync.js';
