// Public surface of the core layer: structured concurrency, cancellation, time and locks.
export { CancelledError, TimeoutError } from './errors.js';
export { FakeClock, systemClock } from './clock.js';
export type { Clock, Timer } from './clock.js';
export { timeoutSignal } from './timeout-signal.js';
export type { DisposableSignal, TimeoutSignalOptions } from './timeout-signal.js';
export { SharedMutex } from './shared-mutex.js';
export type { SharedMutexLockOptions, SharedMutexLockSyncOptions } from './shared-mutex.js';
