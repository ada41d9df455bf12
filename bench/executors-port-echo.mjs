// A task for bench/executors.bench.ts: turns the Braid worker that runs it into a bare MessagePort echo, the latency floor on the same pair of threads.

/** Echoes every message on `port` until the port closes; returns at once. */
export function echoPort(port) {
  port.on('message', (message) => port.postMessage(message));
}
