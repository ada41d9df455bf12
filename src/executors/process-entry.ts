// Entry point of a pool's child process: wires the WorkerRuntime to the IPC channel and the sync pipe.
import { readSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { deserializeError, serializeError, type SerializedError } from './error-serialization.js';
import { importTaskModule } from './import-task-module.js';
import { CONFIG_ENV, CRASH, READY, SYNC_FD, type Batch } from './protocol.js';
import { unsendableError } from './sendable-path.js';
import { WorkerRuntime } from './worker-runtime.js';


const send = process.send?.bind(process);
if (send === undefined) throw new Error('process-entry must run in a child process with an IPC channel');
const config = JSON.parse(process.env[CONFIG_ENV] ?? '{}') as { heapReportMs?: number };
delete process.env[CONFIG_ENV];

// The parent closed the channel, or died (even by SIGKILL: the kernel closes its end): nothing can
// ever be delivered again, so leave now instead of lingering as an orphan.
process.on('disconnect', () => process.exit(0));

// A throw outside any task ends the process, as it would without Braid; tell the host why first.
process.on('uncaughtException', (error) => {
  const bye = setTimeout(() => process.exit(1), 200);
  try {
    send([CRASH, serializeError(error)], undefined, {}, () => process.exit(1));
  } catch {
    clearTimeout(bye);
    process.exit(1);
  }
});

let syncSeq = 0;
const header = Buffer.alloc(4);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function readFully(buffer: Buffer): void {
  for (let done = 0; done < buffer.length; ) {
    let n: number;
    try {
      n = readSync(SYNC_FD, buffer, done, buffer.length - done, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(sleeper, 0, 0, 1);
      continue;
    }
    if (n === 0) throw new Error('The host closed the callHostSync channel');
    done += n;
  }
}

/**
 * Blocks this process on a synchronous read of its dedicated socket until the host answers. The
 * host enforces the timeout by answering with a TimeoutError itself; a real reply arriving after
 * that carries an older sequence number and is discarded, never answering a later call.
 */
function callSync(name: string, args: unknown[]): unknown {
  const seq = ++syncSeq;
  let payload: Buffer;
  try {
    payload = serialize([seq, name, args]);
  } catch (error) {
    throw unsendableError(args, 'args', 'the host', error);
  }
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  payload.copy(frame, 4);
  for (let done = 0; done < frame.length; ) done += writeSync(SYNC_FD, frame, done);
  for (;;) {
    readFully(header);
    const body = Buffer.allocUnsafe(header.readUInt32LE(0));
    readFully(body);
    const [id, ok, value] = deserialize(body) as [number, boolean, unknown];
    if (id !== seq) continue;
    if (ok) return value;
    throw deserializeError(value as SerializedError);
  }
}

const runtime = new WorkerRuntime({
  placement: 'process',
  post: (batch) => {
    send(batch);
  },
  callSync,
  importModule: importTaskModule,
});
process.on('message', (batch: Batch) => runtime.receive(batch));
send([READY]);
if ((config.heapReportMs ?? 0) > 0) {
  setInterval(() => runtime.reportHeap(process.memoryUsage().heapUsed), config.heapReportMs).unref();
}
