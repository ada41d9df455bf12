// The subscriber task of bench/bus-remote.bench.ts: on a worker thread or child process, counts what the bus it was handed delivers.
import { threadId } from 'node:worker_threads';
import type { BusRef } from '../src/index.js';

export interface Counted {
  seen: number;
  sum: number;
  /** Where it ran (`t<threadId>` or `p<pid>`), so the bench can check each subscriber had a worker of its own. */
  where: string;
}

/** Subscribes to `ticks.>`, says `ready.<name>` on `control`, then reads `n` messages with `for await`. */
export async function count(bus: BusRef<Record<string, { seq: number }>>, control: BusRef, name: string, n: number, on: 'thread' | 'process'): Promise<Counted> {
  const sub = bus.subscribe('ticks.>');
  await control.publish(`ready.${name}`, name);
  let seen = 0;
  let sum = 0;
  for await (const msg of sub) {
    seen++;
    sum += msg.seq;
    if (seen === n) break;
  }
  return { seen, sum, where: on === 'thread' ? `t${threadId}` : `p${process.pid}` };
}

/** Keeps its worker busy for `ms` and says where it ran: the bench starts every worker with these before measuring. */
export function where(ms: number, on: 'thread' | 'process'): string {
  const end = performance.now() + ms;
  while (performance.now() < end);
  return on === 'thread' ? `t${threadId}` : `p${process.pid}`;
}
