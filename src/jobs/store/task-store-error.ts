// The error a task store throws for a request about a task that cannot be honoured, with a stable code for HTTP.

import type { StatusRequest, TaskStatus } from './task-store.js';

/** Stable codes: `TASK_NOT_FOUND` (unknown or purged id), `INVALID_TRANSITION` (e.g. cancel a finished task). */
export type TaskStoreErrorCode = 'TASK_NOT_FOUND' | 'INVALID_TRANSITION';

/**
 * Thrown by operations from outside the worker (`requestStatus`) when the task is unknown or the
 * request makes no sense in its current status. `code` is stable; the message is for humans.
 *
 * @example
 * try {
 *   await store.requestStatus(id, 'resume');
 * } catch (error) {
 *   if (error instanceof TaskStoreError && error.code === 'INVALID_TRANSITION') console.log(error.status);
 * }
 */
export class TaskStoreError extends Error {
  override name = 'TaskStoreError';
  readonly code: TaskStoreErrorCode;
  readonly taskId: string;
  /** The task's status when the request was refused (absent for `TASK_NOT_FOUND`). */
  readonly status: TaskStatus | undefined;
  /** What was asked, for `INVALID_TRANSITION`. */
  readonly request: StatusRequest | undefined;

  constructor(code: TaskStoreErrorCode, taskId: string, details: { status?: TaskStatus; request?: StatusRequest } = {}) {
    super(
      code === 'TASK_NOT_FOUND'
        ? `Task ${taskId} not found`
        : `Cannot ${details.request ?? 'change'} task ${taskId} while it is ${details.status ?? 'in its current status'}`,
    );
    this.code = code;
    this.taskId = taskId;
    this.status = details.status;
    this.request = details.request;
  }
}
