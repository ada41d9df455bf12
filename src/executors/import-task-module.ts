// Imports a task module inside a worker, with TypeScript support on Node versions without type stripping.
import { isMainThread } from 'node:worker_threads';

const TS = /\.[cm]?ts$/;
const TSX_KEY = Symbol.for('braid.tsxRegistered');

/**
 * `import(url)`, except that a `.ts`/`.mts`/`.cts` module works out of the box: natively when Node
 * strips types (`process.features.typescript`, Node ≥ 22.6 with the flag, default from 23.6), else by
 * registering tsx's loader in this worker once, unless tsx is already loaded via `--import tsx`.
 */
export async function importTaskModule(url: string): Promise<Record<string, unknown>> {
  if (TS.test(new URL(url).pathname) && !nativeTypeScript() && !tsxLoaded()) await registerTsx();
  return (await import(url)) as Record<string, unknown>;
}

function nativeTypeScript(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

function tsxLoaded(): boolean {
  if ((globalThis as Record<symbol, unknown>)[TSX_KEY] === true) return true;
  // Worker threads inherit `--import tsx` in execArgv but not its hooks (Node 20): only trust the
  // flag in a main thread.
  if (!isMainThread) return false;
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /\btsx\b/.test(flags);
}

async function registerTsx(): Promise<void> {
  // Both hooks: a .ts file in a package without "type": "module" is CommonJS to Node.
  const [esm, cjs] = (await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')])) as [{ register(): unknown }, { register(): unknown }];
  esm.register();
  cjs.register();
  (globalThis as Record<symbol, unknown>)[TSX_KEY] = true;
}
