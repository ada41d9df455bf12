// The PrintActor of seed 001, as a module export any placement can start: it prints each message it receives.
import { threadId } from 'node:worker_threads';

/** Makes the behaviour: `rt.actor(url, 'printActor', { on: 'process' })` runs it in a child process. */
export function printActor(prefix: string) {
  return {
    receive(message: string): void {
      // A child process writes to the same stdout as its parent, synchronously (a pipe on Linux).
      console.log(`${prefix}${message}`);
    },
  };
}

/** Where a behaviour runs, for the examples' output. */
export function where(): string {
  return threadId !== 0 ? `thread ${threadId}` : `pid ${process.pid}`;
}
