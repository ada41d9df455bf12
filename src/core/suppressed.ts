// How a scope reports failures that happened after its first one: a non-enumerable `suppressed` array on the first.
const KEY = 'suppressed';

/**
 * The later failures a scope attached to the error it rejected with (oldest first), or `[]`.
 * A scope rejects with its first failure; any other child that failed afterwards (not merely
 * cancelled) is listed here so that no error is lost.
 *
 * @example
 * try {
 *   await scope((s) => {
 *     s.spawn(() => { throw new Error('a'); });
 *     s.spawn(() => { throw new Error('b'); });
 *   });
 * } catch (error) {
 *   suppressedErrors(error); // [Error: b]
 * }
 */
export function suppressedErrors(error: unknown): readonly unknown[] {
  if (typeof error !== 'object' || error === null) return [];
  const value = (error as Record<string, unknown>)[KEY];
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/**
 * Records `later` on `first` as a non-enumerable, configurable `suppressed` property, so it does not
 * clutter logs or `deepEqual` and can be replaced if the same error object ends two scopes. A
 * primitive or frozen `first` cannot carry them; they are dropped (documented limitation).
 * @internal
 */
export function attachSuppressed(first: unknown, later: readonly unknown[]): void {
  if (later.length === 0 || typeof first !== 'object' || first === null || !Object.isExtensible(first)) return;
  try {
    Object.defineProperty(first, KEY, { value: [...later], enumerable: false, configurable: true, writable: true });
  } catch {
    // A non-configurable `suppressed` of its own: keep the caller's property.
  }
}
