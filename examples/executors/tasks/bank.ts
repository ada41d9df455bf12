// The task for bank-balance.ts: adds `amount` to a balance in shared memory `times` times, with or without a SharedMutex.
import { SharedMutex } from 'braid';

/**
 * Layout of `shared` (made by the host): the mutex's SharedMutex.BYTES bytes, then two Int32 cells:
 * [0] the balance, [1] how many tasks have arrived at the start line.
 */
export function churn(shared: SharedArrayBuffer, amount: number, times: number, locked: boolean): void {
  const mutex = SharedMutex.from(shared);
  const cells = new Int32Array(shared, SharedMutex.BYTES, 2);

  // Wait until both tasks are here, so they really run at the same time: otherwise one thread may
  // finish before the other starts and the race would hide.
  Atomics.add(cells, 1, 1);
  Atomics.notify(cells, 1);
  while (Atomics.load(cells, 1) < 2) Atomics.wait(cells, 1, 1);

  for (let i = 0; i < times; i++) {
    if (locked) mutex.lockSync();
    // A read, then a write. Each is atomic on its own, the pair is not: if the other thread writes
    // in between, one of the two updates is lost. The lock makes the pair one step.
    const balance = Atomics.load(cells, 0);
    Atomics.store(cells, 0, balance + amount);
    if (locked) mutex.unlock();
  }
}
