// Entry point of a pool's worker thread: wires the WorkerRuntime to the parent port and the sync bridge.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { TimeoutError } from '../core/errors.js';
import { deserializeError, type SerializedError } from './error-serialization.js';
import { importTaskModule } from './import-task-module.js';
import { READY, type Batch } from './protocol.js';
import { unsendableError } from './sendable-path.js';
import { WorkerRuntime } from './worker-runtime.js';

/** What the pool passes as `workerData` to each thread. */
export interface ThreadWorkerData {
  heapReportMs: number;
  hostCallTimeout: number;
  /** Port dedicated to callHostSync: only ever read with receiveMessageOnPort. */
  syncPort: MessagePort;
  /** Int32Array over a SharedArrayBuffer; [0] counts replies posted on syncPort. */
  syncState: Int32Array;
}

const port = parentPort;
if (port === null) throw new Error('thread-entry must run in a worker thread');
const data = workerData as ThreadWorkerData;
let syncSeq = 0;

/**
 * Blocks this thread until the host replies on the dedicated port. Replies carry the call's
 * sequence number; one for an earlier call that timed out is discarded here, so a late reply can
 * never answer a later call. The counter read before draining the port closes the lost-wake-up
 * window: the host posts first, then bumps the counter and notifies.
 */
function callSync(name: string, args: unknown[]): unknown {
  const seq = ++syncSeq;
  try {
    data.syncPort.postMessage([seq, name, args]);
  } catch (error) {
    throw unsendableError(args, 'args', 'the host', error);
  }
  const deadline = Date.now() + data.hostCallTimeout;
  for (;;) {
    const seen = Atomics.load(data.syncState, 0);
    for (let got = receiveMessageOnPort(data.syncPort); got !== undefined; got = receiveMessageOnPort(data.syncPort)) {
      const [id, ok, value] = got.message as [number, boolean, unknown];
      if (id !== seq) continue;
      if (ok) return value;
      throw deserializeError(value as SerializedError);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new TimeoutError(`callHostSync('${name}') got no reply within ${data.hostCallTimeout} ms`);
    Atomics.wait(data.syncState, 0, seen, remaining);
  }
}

const runtime = new WorkerRuntime({
  placement: 'thread',
  post: (batch) => port.postMessage(batch),
  callSync,
  importModule: importTaskModule,
});
port.on('message', (batch: Batch) => runtime.receive(batch));
port.postMessage([READY]);
if (data.heapReportMs > 0) {
  setInterval(() => runtime.reportHeap(process.memoryUsage().heapUsed), data.heapReportMs).unref();
}
