// The registered task types: the TaskDefinitions a tasks module exports, found by shape and keyed by task name.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Placement } from '../../executors/current-task.js';
import { importTaskModule } from '../../executors/import-task-module.js';
import { isTaskDefinition, type TaskOptions } from '../define-task.js';

/** One task type the service can run. */
export interface RegisteredTask {
  /** The task's `name` (what clients create). */
  readonly name: string;
  /** The module export that holds it (what the executors call on a thread or process). */
  readonly exportName: string;
  readonly on: Placement;
  readonly options: Readonly<TaskOptions<unknown, unknown>>;
}

/** A tasks module's URL, from a file: URL, a file: URL string, or a path (relative paths resolve from the working directory). */
export function tasksModuleHref(tasks: unknown): string {
  if (tasks instanceof URL) {
    if (tasks.protocol !== 'file:') throw new TypeError(`tasks must be a file: URL, got ${tasks.href}`);
    return tasks.href;
  }
  if (typeof tasks !== 'string' || tasks === '') throw new TypeError('tasks must be a module path or a file: URL');
  if (tasks.startsWith('file:')) return new URL(tasks).href;
  return pathToFileURL(isAbsolute(tasks) ? tasks : resolve(tasks)).href;
}

/**
 * Imports the tasks module and collects its task definitions. Only these ever run: a request names a
 * type, never code.
 */
export async function loadTasks(href: string): Promise<Map<string, RegisteredTask>> {
  // importTaskModule: a .ts tasks module works without a loader flag, as it does on threads and processes.
  const module = await importTaskModule(href);
  const found = new Map<string, RegisteredTask>();
  for (const [exportName, value] of Object.entries(module)) {
    if (exportName === 'default' || !isTaskDefinition(value)) continue;
    const options = value.task;
    const earlier = found.get(options.name);
    if (earlier !== undefined) {
      throw new Error(`Task name ${JSON.stringify(options.name)} is defined twice in ${href} (exports ${earlier.exportName} and ${exportName})`);
    }
    found.set(options.name, { name: options.name, exportName, on: options.on ?? 'loop', options });
  }
  if (found.size === 0) throw new Error(`${href} exports no task definitions (make them with defineTask and export them)`);
  return found;
}
