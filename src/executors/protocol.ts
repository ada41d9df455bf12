// The wire protocol between a pool and its workers: flat message batches shared by both sides.
//
// A batch is ONE flat array holding several messages back to back, each a kind tag followed by a
// fixed number of fields. Flat arrays clone faster than arrays of objects, and one postMessage per
// batch (not per task) is where small-task throughput comes from: waking a thread costs ~13 µs
// whatever the mechanism, so each wake-up must carry as much work as is ready. The one message
// that is not a batch is a worker's lone result (LoneResult, below).

/** Host → worker: `LOAD modId url` registers a module URL under a small id before its first RUN. */
export const LOAD = 0;
/** Host → worker: `RUN taskId modId exportName args flags data`. */
export const RUN = 1;
/** Host → worker: `CANCEL taskId reason` aborts the task's signal with the (serialized) reason. */
export const CANCEL = 2;
/** Host → worker: `REPLY callId ok value` answers a `callHost()` (value is a SerializedError when !ok). */
export const REPLY = 3;

/** Worker → host: `OK taskId value`. */
export const OK = 10;
/** Worker → host: `FAIL taskId serializedError`. */
export const FAIL = 11;
/** Worker → host: `PROGRESS taskId value message`. */
export const PROGRESS = 12;
/**
 * Worker → host: `CALL callId name args taskId` asks the host to run a function: one exposed with
 * `rt.expose()` when taskId is 0, else one of that task's `hooks`.
 */
export const CALL = 13;
/** Worker → host: `HEAP bytes` reports heap use (only when heap recycling is on). */
export const HEAP = 14;
/** Worker → host: `CRASH serializedError` sent just before a worker exits on an uncaught error. */
export const CRASH = 15;

/** Worker → host: `READY` once the worker listens; a worker that exits before it failed to start. */
export const READY = 16;

/**
 * Worker → host: `STARTED taskId`, sent (and flushed at once) just before a task with a timeout
 * but without FLAG_ARMED starts: the host starts its timeout then, not while it waited behind
 * other tasks in the worker.
 */
export const STARTED = 17;

/**
 * Both ways: `PEER batch` carries one batch of the communication layer's peer messages (actors,
 * channels and buses across the link), which the peer on each side handles.
 */
export const PEER = 18;

/** Fields after the kind tag, per kind; both sides step through a batch with this table. */
export const ARITY: Readonly<Record<number, number>> = {
  [LOAD]: 2,
  [RUN]: 6,
  [CANCEL]: 2,
  [REPLY]: 3,
  [OK]: 2,
  [FAIL]: 2,
  [PROGRESS]: 3,
  [CALL]: 4,
  [HEAP]: 1,
  [CRASH]: 1,
  [READY]: 0,
  [STARTED]: 1,
  [PEER]: 1,
};

/** RUN flag: the caller listens to progress, so the worker should send it. */
export const FLAG_PROGRESS = 1;
/** RUN flag: clone the result before handing it back (the loop's `isolate` option). */
export const FLAG_ISOLATE = 2;
/** RUN flag: the task has a timeout, so the host wants to know when it really starts. */
export const FLAG_TIMEOUT = 4;
/**
 * RUN flag: the host started the timeout at dispatch, because the task went to a worker holding no
 * other task (it starts on arrival). Timed tasks without it send STARTED.
 */
export const FLAG_ARMED = 8;
/** A batch that has run this long (ms) sends the results it has so far. */
export const SLOW_BATCH_MS = 1;

/** A batch on the wire. */
export type Batch = unknown[];

/**
 * Worker → host, instead of a batch: a bare number, string or boolean is the OK result of the
 * oldest task the host has on that worker. A worker sends one only when the result is all it has
 * to send and the task was the last one it held: every task it received earlier was answered by
 * an earlier message (a port delivers in order), and any task the host sent since comes after it
 * in the host's dispatch order. This is the one-task-in-flight case, where the reply is on the
 * critical path: a primitive clones several times cheaper than the smallest array (about 0.5 vs
 * 1.3 µs to post and receive one), and it saved 2,700 of the 40,000 instructions a thread round
 * trip took (cachegrind, both threads).
 */
export type LoneResult = number | string | boolean;

/** True when a worker may send `value` as a LoneResult (never `undefined`: IPC refuses to send it). */
export function isLoneResult(value: unknown): value is LoneResult {
  const type = typeof value;
  return type === 'number' || type === 'string' || type === 'boolean';
}

/** Splits a flat batch into single messages (used to isolate the one that failed to clone). */
export function splitBatch(batch: Batch): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < batch.length; ) {
    const n = (ARITY[batch[i] as number] ?? 0) + 1;
    out.push(batch.slice(i, i + n));
    i += n;
  }
  return out;
}

/** The file descriptor of the child-process socket dedicated to callHostSync (stdio index 4). */
export const SYNC_FD = 4;
/** Env variable carrying a child process's JSON config from the pool. */
export const CONFIG_ENV = 'BRAID_WORKER_CONFIG';

/** What a worker needs at start, passed as workerData (threads) or an env variable (processes). */
export interface WorkerConfig {
  /** Heap reporting interval in ms, 0 when heap recycling is off. */
  heapReportMs: number;
}
