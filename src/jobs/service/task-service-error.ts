// The error the task service throws for a request it cannot honour, with a stable code the HTTP layer maps to a status.
import type { TaskStatus } from '../store/task-store.js';

/**
 * Stable codes: `TASK_NOT_FOUND` (unknown or purged id), `UNKNOWN_TASK_TYPE` (no registered task of that
 * name), `INVALID_TRANSITION` (e.g. cancel a finished task), `SERVICE_CLOSED` (after `close()`).
 */
export type TaskServiceErrorCode = 'TASK_NOT_FOUND' | 'UNKNOWN_TASK_TYPE' | 'INVALID_TRANSITION' | 'SERVICE_CLOSED';

/**
 * A request the service refused. `code` is stable; the message is for humans.
 *
 * @example
 * try {
 *   await service.setStatus(id, 'cancelled');
 * } catch (error) {
 *   if (error instanceof TaskServiceError && error.code === 'INVALID_TRANSITION') console.log('already', error.status);
 * }
 */
export class TaskServiceError extends Error {
  override name = 'TaskServiceError';
  readonly code: TaskServiceErrorCode;
  /** The task's status when a transition was refused. */
  readonly status: TaskStatus | undefined;

  constructor(code: TaskServiceErrorCode, message: string, options: ErrorOptions & { status?: TaskStatus } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}
