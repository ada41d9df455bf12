// The typed view of a task module: each function export becomes an async function that runs remotely.

type AnyFunction = (...args: any[]) => unknown;

/**
 * The callable view of a module `M` (the type of its namespace, e.g. `typeof Work` after
 * `import type * as Work from` the task module): every function export keeps
 * its parameter types and returns `Promise<Awaited<R>>`; non-function exports are absent.
 */
export type ModuleProxy<M> = {
  readonly [K in keyof M as K extends string ? (M[K] extends AnyFunction ? K : never) : never]: M[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** Builds the proxy; `call` runs one export. Functions are created once per export name. */
export function moduleProxy<M>(call: (exportName: string, args: unknown[]) => Promise<unknown>): ModuleProxy<M> {
  const cache = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null) as object, {
    get(_target, key) {
      // `then` must stay undefined, or `await proxy` would treat the proxy as a promise.
      if (typeof key !== 'string' || key === 'then') return undefined;
      let fn = cache.get(key);
      if (fn === undefined) {
        fn = (...args: unknown[]) => call(key, args);
        Object.defineProperty(fn, 'name', { value: key });
        cache.set(key, fn);
      }
      return fn;
    },
    set() {
      throw new TypeError('A module proxy is read-only');
    },
  }) as ModuleProxy<M>;
}
