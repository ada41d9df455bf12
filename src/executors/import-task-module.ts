// Imports a task module inside a worker; a TypeScript module goes through tsx, whose resolution TypeScript code expects.
import { isMainThread } from 'node:worker_threads';

const TS = /\.[cm]?ts$/;
const TSX_KEY = Symbol.for('braid.tsxRegistered');

/**
 * `import(url)`, except that a `.ts`/`.mts`/`.cts` module works out of the box: tsx's loader is
 * registered in this worker once (unless it is already loaded via `--import tsx`). Even where Node
 * strips types itself (22.6+), tsx is used: a TypeScript module imports its siblings as `./x.js`
 * (what `moduleResolution: NodeNext` requires), and only tsx maps that back to `./x.ts`.
 */
export async function importTaskModule(url: string): Promise<Record<string, unknown>> {
  if (TS.test(new URL(url).pathname) && !tsxLoaded()) await registerTsx();
  return (await import(url)) as Record<string, unknown>;
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
