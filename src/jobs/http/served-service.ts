// The part of the task service the HTTP layer calls, so the routes depend on a few methods rather than on the runner.

import type { TaskService } from '../service/task-service.js';

/**
 * What `createServer()` needs from a task service: `TaskService` itself, or anything with the same
 * methods (a wrapper that adds tracing, say). The HTTP layer never reaches past these.
 *
 * @example
 * const service: ServedTaskService = await TaskService.open({ tasks: new URL('./tasks.js', import.meta.url) });
 * const app = createServer(service);
 */
export type ServedTaskService = Pick<TaskService, 'types' | 'create' | 'get' | 'list' | 'setStatus' | 'events' | 'lastEventSeq' | 'counts' | 'durations'>;

/** Statuses a client may set with `PUT /tasks/:id`: cancel, pause, resume. */
export type SettableStatus = Parameters<TaskService['setStatus']>[1];
