// Calls from a task back to functions the host exposed: callHost (async) and callHostSync (blocking).
import { BRIDGE, bridgeStorage, taskStorage, WORKER_BRIDGE, type HostBridge } from './current-task.js';

function bridge(caller: string): HostBridge {
  const ctx = taskStorage.getStore() as (object & { [BRIDGE]?: HostBridge }) | undefined;
  const found = ctx?.[BRIDGE] ?? bridgeStorage.getStore() ?? ((globalThis as Record<symbol, unknown>)[WORKER_BRIDGE] as HostBridge | undefined);
  if (found === undefined) throw new Error(`${caller} can only be called inside a Braid task or worker`);
  return found;
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new TypeError('name must be a non-empty string');
}

/**
 * Calls the function the host registered with `rt.expose(name, fn)` and resolves with its result.
 * Arguments and result are cloned as for tasks; a host error rejects here with its class intact.
 * On the loop placement the function is called in the same process.
 *
 * @example
 * // in a task module
 * export async function enrich(id: string) {
 *   const user = await callHost<User>('loadUser', id);
 *   return { ...user, score: score(user) };
 * }
 */
export function callHost<T = unknown>(name: string, ...args: unknown[]): Promise<T> {
  checkName(name);
  return bridge('callHost()').call(name, args) as Promise<T>;
}

/**
 * Like `callHost`, but blocks the calling worker until the host answers, for synchronous code
 * (threads and processes). Throws `TimeoutError` after the runtime's `hostCallTimeout`; a reply
 * that arrives after that is discarded and never answers a later call. On the loop it throws: the
 * host function needs the very loop this would block.
 *
 * @example
 * export function parse(text: string) {
 *   const dictionary = callHostSync<string[]>('dictionary'); // e.g. inside a sync parser callback
 *   return tokenize(text, dictionary);
 * }
 */
export function callHostSync<T = unknown>(name: string, ...args: unknown[]): T {
  checkName(name);
  return bridge('callHostSync()').callSync(name, args) as T;
}
