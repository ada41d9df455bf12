// The task for sync-bridge.ts: a template renderer on a thread that asks the host for each word, synchronously.
import { callHostSync } from 'braid';

/**
 * `String.prototype.replace` wants its callback to return a string right away, so an async call
 * to the host would not fit here; callHostSync blocks this worker thread until the host answers.
 */
export function render(template: string): string {
  return template.replace(/\{(\w+)\}/g, (_match, key: string) => callHostSync<string>('translate', key));
}
