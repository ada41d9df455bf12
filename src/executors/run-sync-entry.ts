// Entry point of runSync's helper thread: imports the requested module, awaits the export, posts the reply and wakes the caller.
import { workerData, type MessagePort } from 'node:worker_threads';
import { serializeError, type SerializedError } from './error-serialization.js';
import { unsendableError } from './sendable-path.js';

/** What the caller passes as `workerData` to the helper thread. */
export interface RunSyncWorkerData {
  /** The helper's end of the channel; the caller's end is only ever read with receiveMessageOnPort. */
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer; [0] counts messages posted on `port`, for Atomics.wait. */
  state: Int32Array;
}

/** A call, caller → helper. */
export interface RunSyncRequest {
  seq: number;
  url: string;
  exportName: string;
  args: unknown[];
}

/** A message helper → caller: the settled call `seq`, or the helper's last words before its thread exits. */
export type RunSyncReply =
  | { kind: 'value'; seq: number; value: unknown }
  | { kind: 'error'; seq: number; error: SerializedError }
  | {
      kind: 'exit';
      code: number;
      /** The highest `seq` this thread received: a later request never reached it and is safe to send again. */
      received: number;
      /** The uncaught error that ended the thread, if that is why it exits. */
      error?: SerializedError;
    };

const TS = /\.[cm]?ts$/;
// Shared with the pools' task importer, so tsx is registered at most once per thread.
const TSX_KEY = Symbol.for('braid.tsxRegistered');

const { port, state } = workerData as RunSyncWorkerData;
let exiting = false;
let received = 0;
let fatal: unknown;

/** Posts `reply`, then bumps the counter and notifies: the caller reads the counter before draining the port, so no wake-up is lost. */
function send(reply: RunSyncReply): void {
  port.postMessage(reply);
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
}

async function importModule(url: string): Promise<Record<string, unknown>> {
  // A worker does not inherit the parent's `--import tsx` hooks (Node 20), and Node's own type
  // stripping cannot resolve the `./x.js` imports TypeScript modules write: register tsx here.
  const g = globalThis as Record<symbol, unknown>;
  if (TS.test(new URL(url).pathname) && g[TSX_KEY] !== true) {
    const api = (await import('tsx/esm/api')) as { register(): unknown };
    api.register();
    g[TSX_KEY] = true;
  }
  return (await import(url)) as Record<string, unknown>;
}

async function run(request: RunSyncRequest): Promise<void> {
  const { seq, url, exportName, args } = request;
  let value: unknown;
  try {
    const module = await importModule(url);
    const fn = module[exportName];
    if (typeof fn !== 'function') {
      throw new TypeError(`exportName must name an exported function of ${url}, got ${JSON.stringify(exportName)}`);
    }
    value = await (fn as (...a: unknown[]) => unknown)(...args);
  } catch (error) {
    sendError(seq, error);
    return;
  }
  try {
    send({ kind: 'value', seq, value });
  } catch (error) {
    sendError(seq, unsendableError(value, 'result', 'the caller', error));
  }
}

function sendError(seq: number, thrown: unknown): void {
  try {
    send({ kind: 'error', seq, error: serializeError(thrown) });
  } catch {
    // An own property of the error could not be cloned: keep what always can be.
    const { name, message, stack } = thrown instanceof Error ? thrown : new Error(String(thrown));
    send({ kind: 'error', seq, error: { e: 1, name, message, stack } });
  }
}

port.on('message', (request: RunSyncRequest) => {
  received = Math.max(received, request.seq);
  void run(request);
});

// A task that calls process.exit(), or a stray error that ends this thread, must wake the caller
// at once instead of leaving it blocked until its timeout. An error that escaped every task (a
// timer's throw, an unhandled rejection) leaves the thread in an unknown state: end it, saying why.
process.on('uncaughtException', (error) => {
  fatal = error;
  process.exit(1);
});
process.on('exit', (code) => {
  if (exiting) return;
  exiting = true;
  const reply: RunSyncReply = { kind: 'exit', code, received };
  if (fatal !== undefined) reply.error = serializeError(fatal);
  try {
    send(reply);
  } catch {
    send({ kind: 'exit', code, received });
  }
});
