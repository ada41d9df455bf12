// The bank balance race made real: two threads change one balance in shared memory, first without a lock, then with a SharedMutex.
// Run: node --import tsx examples/executors/bank-balance.ts
import { runtime, SharedMutex } from 'braid';
import type * as Tasks from './tasks/bank.js';

const TIMES = 100_000;

await using rt = runtime({ threads: 2 });
const bank = rt.module<typeof Tasks>(new URL('./tasks/bank.ts', import.meta.url), { on: 'thread' });

/** One thread deposits 1 and the other withdraws 1, TIMES each: the balance should end at 0. */
async function run(locked: boolean): Promise<number> {
  // The mutex and the balance live in one SharedArrayBuffer. Passing it to a task shares it (no
  // copy): both threads see the same bytes.
  const shared = new SharedArrayBuffer(SharedMutex.BYTES + 8);
  await Promise.all([bank.churn(shared, +1, TIMES, locked), bank.churn(shared, -1, TIMES, locked)]);
  return new Int32Array(shared, SharedMutex.BYTES, 1)[0]!;
}

const unlocked = await run(false);
console.log(`without a lock:   balance ${unlocked}${unlocked === 0 ? ' (lucky this time: the race is still there)' : ' (updates were lost)'}`);
console.log(`with SharedMutex: balance ${await run(true)}`);
