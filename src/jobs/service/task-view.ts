// TaskView: the client's view of a task (the HTTP body of GET /tasks/:id), built from the stored row.
import type { Task, TaskError, TaskStatus } from '../store/task-store.js';

/** What clients see of a task: no lease internals, times as ISO 8601 strings. */
export interface TaskView {
  id: string;
  type: string;
  status: TaskStatus;
  /** 0..100. */
  progress: number;
  message: string | null;
  input: unknown;
  result: unknown;
  /** The last failure (kept while a retry is scheduled), or null. */
  error: TaskError | null;
  /** Runs started so far, including the current one. */
  attempts: number;
  priority: number;
  /** When a `delayed` task (or a scheduled retry) becomes claimable; null when that time has passed. */
  runAt: string | null;
  createdAt: string;
  /** When the latest attempt started. */
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * The view of a stored task at time `now` (epoch ms).
 *
 * @example
 * const view = toTaskView(await store.getTask(id), Date.now());
 */
export function toTaskView(task: Task, now: number): TaskView {
  return {
    id: task.id,
    type: task.type,
    status: task.status,
    progress: task.progress,
    message: task.message,
    input: task.input,
    result: task.result,
    error: task.error,
    attempts: task.attempts,
    priority: task.priority,
    runAt: task.runAt > now && (task.status === 'queued' || task.status === 'delayed') ? iso(task.runAt) : null,
    createdAt: iso(task.createdAt),
    startedAt: task.startedAt === null ? null : iso(task.startedAt),
    finishedAt: task.finishedAt === null ? null : iso(task.finishedAt),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
