// The ring behind SharedChannel: a bounded FIFO of numbers in a SharedArrayBuffer, usable by every thread that holds the buffer.
import { cancellationError, TimeoutError } from '../core/errors.js';

/**
 * The element kinds a shared channel can carry, named after their typed arrays: `'uint8'` is bytes,
 * `'float64'` holds any JavaScript number exactly.
 *
 * @example
 * const kind: SharedChannelType = 'int32';
 */
export type SharedChannelType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

type DataArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

interface Kind {
  readonly type: SharedChannelType;
  readonly code: number;
  readonly array: { new (length: number): DataArray; new (buffer: SharedArrayBuffer, byteOffset: number, length: number): DataArray };
  readonly bytes: number;
  /** Whether `value` is stored exactly (floats: any number; float32 rounds). */
  readonly fits: (value: unknown) => boolean;
  /** What `fits` accepts, for the RangeError. */
  readonly range: string;
}

const isNumber = (v: unknown): boolean => typeof v === 'number';
// Each test is false for non-numbers too: a string or object never survives the integer round trip.
const KIND_LIST: readonly Kind[] = [
  { type: 'int8', code: 1, array: Int8Array, bytes: 1, fits: (v) => ((v as number) << 24) >> 24 === v, range: 'an integer from -128 to 127' },
  { type: 'uint8', code: 2, array: Uint8Array, bytes: 1, fits: (v) => ((v as number) & 0xff) === v, range: 'an integer from 0 to 255' },
  { type: 'int16', code: 3, array: Int16Array, bytes: 2, fits: (v) => ((v as number) << 16) >> 16 === v, range: 'an integer from -32768 to 32767' },
  { type: 'uint16', code: 4, array: Uint16Array, bytes: 2, fits: (v) => ((v as number) & 0xffff) === v, range: 'an integer from 0 to 65535' },
  { type: 'int32', code: 5, array: Int32Array, bytes: 4, fits: (v) => ((v as number) | 0) === v, range: 'an integer from -2147483648 to 2147483647' },
  { type: 'uint32', code: 6, array: Uint32Array, bytes: 4, fits: (v) => (v as number) >>> 0 === v, range: 'an integer from 0 to 4294967295' },
  { type: 'float32', code: 7, array: Float32Array, bytes: 4, fits: isNumber, range: 'a number' },
  { type: 'float64', code: 8, array: Float64Array, bytes: 8, fits: isNumber, range: 'a number' },
];
export const KINDS: ReadonlyMap<string, Kind> = new Map(KIND_LIST.map((k) => [k.type, k]));
const KIND_BY_CODE: ReadonlyMap<number, Kind> = new Map(KIND_LIST.map((k) => [k.code, k]));
export const TYPE_NAMES = KIND_LIST.map((k) => `'${k.type}'`).join(', ');

/** The largest capacity: indices stay small integers and the buffer stays allocatable. */
export const MAX_CAPACITY = 2 ** 30;

// Header layout, in Int32 cells. Each group sits on its own 64-byte line so that waiters polling the
// wake-up words do not steal the line the lock and indices live on.
const MAGIC = 0; // identifies a buffer made by SharedRing.allocate()
const TYPE = 1; // Kind.code
const CAPACITY = 2; // the bound as given
const LOCK = 16; // 0 free, 1 locked, 2 locked with sleepers (Drepper's mutex #3)
const HEAD = 17; // index of the oldest value
const LENGTH = 18; // values buffered
const CLOSED = 19; // 0 open, 1 closed
/** Bumped when values appear in an empty ring, and on close; receivers sleep on it. */
export const RECEIVERS = 32;
/** Bumped when room appears in a full ring, and on close; senders sleep on it. */
export const SENDERS = 33;
// Sleepers of each side, so a put or take only bumps and notifies when somebody may be asleep.
const SLEEPERS = 2; // RECEIVERS + 2, SENDERS + 2
// Sleeping senders of whole batches: while there are any, every take wakes the senders, since a batch
// may need more room than the one slot that the full-to-not-full transition announces.
const BATCH_SENDERS = 36;
const HEADER_BYTES = 192;
const MAGIC_VALUE = 0x42524431; // 'BRD1'

/** Outcome of one operation on the ring. */
export const OK = 0;
/** Full (for a put) or empty (for a take): the caller would have to wait. */
export const WOULD_BLOCK = 1;
export const CLOSED_STATE = 2;

// Spins on a taken lock before sleeping on it: the holder only copies a few values.
const LOCK_SPINS = 64;
const LOCK_SLICE_MS = 50;
/** A lock held this long was taken by a thread that stopped inside an operation (a terminated worker). */
const LOCK_STUCK_MS = 5_000;
// Polls of the length before a waiter sleeps (a few microseconds), and how often a change may restart them.
const SPIN_POLLS = 2_048;
const SPIN_ROUNDS = 4;
// Bounds of one asynchronous wait before the ring is re-checked (see waitFor).
const FIRST_SLICE_MS = 2;
const LAST_SLICE_MS = 200;

// ES2024's Atomics.waitAsync (in Node since 16); the project's lib is ES2023, so type it here.
type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync(cells: Int32Array, index: number, value: number, timeout: number): WaitAsyncResult })
  .waitAsync;

/** Why a buffer is not a shared channel's, or `undefined` when it is one. */
export function checkRingBuffer(buffer: SharedArrayBuffer): string | undefined {
  if (buffer.byteLength < HEADER_BYTES) return `it holds ${buffer.byteLength} bytes, fewer than a shared channel's header`;
  const cells = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  if (Atomics.load(cells, MAGIC) !== MAGIC_VALUE) return 'it was not made by a SharedChannel';
  const kind = KIND_BY_CODE.get(Atomics.load(cells, TYPE));
  const capacity = Atomics.load(cells, CAPACITY);
  if (kind === undefined || !(capacity >= 1 && capacity <= MAX_CAPACITY) || buffer.byteLength !== HEADER_BYTES + capacity * kind.bytes) {
    return 'its header is corrupt';
  }
  return undefined;
}

/**
 * A bounded multi-producer, multi-consumer FIFO of numbers in shared memory. Every operation runs
 * under a small lock in the header (a compare-and-swap when uncontended; contenders spin briefly,
 * then sleep on it) that is held only to copy values, never across an await, so a batch costs one
 * lock round however many values it moves. The ring trusts its callers: SharedChannel validates.
 *
 * Waking is an event count per side: a waiter registers as a sleeper, reads the side's word, tries
 * the operation, and sleeps only while the word is unchanged. A put that makes an empty ring
 * non-empty (a take that makes a full ring non-full, a close) bumps the word and wakes every
 * sleeper of that side if there is any; those that lose the race sleep again. The first put after
 * a receiver found the ring empty is necessarily such a transition, so no wake-up is lost.
 *
 * ```
 *   open ──close()──▶ closed: puts fail; takes drain what is buffered, then report closed
 * ```
 */
export class SharedRing {
  readonly capacity: number;
  readonly type: SharedChannelType;
  readonly buffer: SharedArrayBuffer;
  /** The value the last successful `take()` removed; read it before anything else on this thread can take. */
  value = 0;
  /** The values the last successful `takeMany()` removed. */
  batch: number[] = [];
  readonly #cells: Int32Array;
  readonly #data: DataArray;
  readonly #kind: Kind;
  /** Per-thread scratch for `takeMany()`: values are copied out under the lock without allocating. */
  #scratch: DataArray | undefined;

  /** A view of the ring in `buffer`, which `checkRingBuffer()` accepted. */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#cells = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.#kind = KIND_BY_CODE.get(this.#cells[TYPE]!)!;
    this.type = this.#kind.type;
    this.capacity = this.#cells[CAPACITY]!;
    this.#data = new this.#kind.array(buffer, HEADER_BYTES, this.capacity);
  }

  /** A fresh, empty, open ring's buffer. */
  static allocate(capacity: number, type: SharedChannelType): SharedArrayBuffer {
    const kind = KINDS.get(type)!;
    const buffer = new SharedArrayBuffer(HEADER_BYTES + capacity * kind.bytes);
    const cells = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    cells[TYPE] = kind.code;
    cells[CAPACITY] = capacity;
    // Published last: a view only trusts a header whose magic it can see.
    Atomics.store(cells, MAGIC, MAGIC_VALUE);
    return buffer;
  }

  /** Whether `value` is stored exactly, and what is accepted otherwise. */
  fits(value: unknown): boolean {
    return this.#kind.fits(value);
  }

  /** Whether `values` is a typed array of this ring's element type: every value fits, and it is copied as a block. */
  sameType(values: unknown): boolean {
    return values instanceof this.#kind.array;
  }

  get range(): string {
    return this.#kind.range;
  }

  get length(): number {
    return Atomics.load(this.#cells, LENGTH);
  }

  get closed(): boolean {
    return Atomics.load(this.#cells, CLOSED) !== 0;
  }

  /** Appends `value`: OK, WOULD_BLOCK when full, CLOSED_STATE. */
  put(value: number): number {
    const cells = this.#cells;
    this.#lock();
    // Plain reads and writes inside the lock: its acquire and release order them across threads.
    const length = cells[LENGTH]!;
    if (cells[CLOSED] !== 0 || length === this.capacity) {
      const outcome = cells[CLOSED] !== 0 ? CLOSED_STATE : WOULD_BLOCK;
      this.#unlock();
      return outcome;
    }
    let at = cells[HEAD]! + length;
    if (at >= this.capacity) at -= this.capacity;
    this.#data[at] = value;
    cells[LENGTH] = length + 1;
    this.#unlock();
    if (length === 0 && Atomics.load(cells, RECEIVERS + SLEEPERS) !== 0) wake(cells, RECEIVERS);
    return OK;
  }

  /**
   * Appends all of `values` (at most `capacity` of them) in one lock round, or none: OK, WOULD_BLOCK
   * while there is not room for all, CLOSED_STATE. `sameType` (see `sameType()`) copies them as a block.
   */
  putMany(values: ArrayLike<number>, sameType: boolean): number {
    const cells = this.#cells;
    const capacity = this.capacity;
    const n = values.length;
    this.#lock();
    const length = cells[LENGTH]!;
    if (cells[CLOSED] !== 0 || capacity - length < n) {
      const outcome = cells[CLOSED] !== 0 ? CLOSED_STATE : WOULD_BLOCK;
      this.#unlock();
      return outcome;
    }
    const data = this.#data;
    let at = cells[HEAD]! + length;
    if (at >= capacity) at -= capacity;
    if (sameType) {
      const block = values as DataArray;
      const first = Math.min(n, capacity - at);
      data.set(first === n ? block : block.subarray(0, first), at);
      if (first < n) data.set(block.subarray(first), 0);
    } else {
      for (let i = 0; i < n; i++) {
        data[at] = values[i]!;
        if (++at === capacity) at = 0;
      }
    }
    cells[LENGTH] = length + n;
    this.#unlock();
    if (length === 0 && n > 0 && Atomics.load(cells, RECEIVERS + SLEEPERS) !== 0) wake(cells, RECEIVERS);
    return OK;
  }

  /** Removes the oldest value into `this.value`: OK, WOULD_BLOCK when empty, CLOSED_STATE once closed and drained. */
  take(): number {
    const cells = this.#cells;
    this.#lock();
    const length = cells[LENGTH]!;
    if (length === 0) {
      const closed = cells[CLOSED] !== 0;
      this.#unlock();
      return closed ? CLOSED_STATE : WOULD_BLOCK;
    }
    const head = cells[HEAD]!;
    this.value = this.#data[head]!;
    cells[HEAD] = head + 1 === this.capacity ? 0 : head + 1;
    cells[LENGTH] = length - 1;
    this.#unlock();
    if (Atomics.load(cells, SENDERS + SLEEPERS) !== 0 && (length === this.capacity || Atomics.load(cells, BATCH_SENDERS) !== 0)) wake(cells, SENDERS);
    return OK;
  }

  /**
   * Removes up to `max` values, oldest first, into `this.batch`: OK, WOULD_BLOCK when empty, CLOSED_STATE
   * once closed and drained. One lock round for the whole batch; read `batch` before anything else on
   * this thread can take.
   */
  takeMany(max: number): number {
    const cells = this.#cells;
    const capacity = this.capacity;
    let scratch = this.#scratch;
    // Sized before locking (the length may grow meanwhile; the batch is then just smaller than it could be).
    const want = Math.min(max, Math.max(1, Atomics.load(cells, LENGTH)));
    if (scratch === undefined || scratch.length < want) {
      scratch = this.#scratch = new this.#kind.array(Math.min(capacity, 2 ** Math.ceil(Math.log2(want))));
    }
    this.#lock();
    const length = cells[LENGTH]!;
    if (length === 0) {
      const closed = cells[CLOSED] !== 0;
      this.#unlock();
      return closed ? CLOSED_STATE : WOULD_BLOCK;
    }
    const n = Math.min(max, length, scratch.length);
    const data = this.#data;
    let head = cells[HEAD]!;
    for (let i = 0; i < n; i++) {
      scratch[i] = data[head]!;
      if (++head === capacity) head = 0;
    }
    cells[HEAD] = head;
    cells[LENGTH] = length - n;
    this.#unlock();
    if (Atomics.load(cells, SENDERS + SLEEPERS) !== 0 && (length === capacity || Atomics.load(cells, BATCH_SENDERS) !== 0)) wake(cells, SENDERS);
    // Built outside the lock; a pre-sized array fills faster than pushes.
    const batch = new Array<number>(n);
    for (let i = 0; i < n; i++) batch[i] = scratch[i]!;
    this.batch = batch;
    return OK;
  }

  /** Closes the ring (idempotent) and wakes every sleeper of both sides. */
  close(): void {
    const cells = this.#cells;
    this.#lock();
    const was = cells[CLOSED];
    Atomics.store(cells, CLOSED, 1);
    this.#unlock();
    if (was === 0) {
      wake(cells, RECEIVERS);
      wake(cells, SENDERS);
    }
  }

  /**
   * Repeats `attempt` (a put or take) until it does not return WOULD_BLOCK, sleeping on `side`
   * (RECEIVERS or SENDERS) in between without blocking the event loop. Rejects with the
   * cancellation error when `signal` aborts; the attempt is then never made again.
   */
  async waitFor(side: number, attempt: () => number, signal: AbortSignal | undefined, batch = false): Promise<number> {
    const outcome = await this.#sleepUntil(side, attempt, signal, batch);
    if (outcome === WOULD_BLOCK) throw cancellationError(signal!.reason);
    return outcome;
  }

  /** Resolves once `ready()` holds (a select case may complete) or `signal` aborted; never rejects. */
  async whenReady(side: number, ready: () => boolean, signal: AbortSignal): Promise<void> {
    await this.#sleepUntil(side, () => (ready() ? OK : WOULD_BLOCK), signal, false);
  }

  /** `waitFor()` that blocks the calling thread with `Atomics.wait`; throws TimeoutError after `timeout` ms. */
  waitForSync(side: number, attempt: () => number, timeout: number | undefined, batch = false): number {
    const cells = this.#cells;
    const deadline = timeout === undefined || timeout === Infinity ? Infinity : performance.now() + timeout;
    const spun = this.#spin(attempt);
    if (spun !== WOULD_BLOCK) return spun;
    if (batch) Atomics.add(cells, BATCH_SENDERS, 1);
    Atomics.add(cells, side + SLEEPERS, 1);
    try {
      for (;;) {
        const seen = Atomics.load(cells, side);
        const outcome = attempt();
        if (outcome !== WOULD_BLOCK) return outcome;
        const left = deadline - performance.now();
        if (left <= 0) throw new TimeoutError(`Timed out after ${timeout} ms`);
        Atomics.wait(cells, side, seen, left);
      }
    } finally {
      Atomics.sub(cells, side + SLEEPERS, 1);
      if (batch) Atomics.sub(cells, BATCH_SENDERS, 1);
    }
  }

  /** The loop under waitFor and whenReady: WOULD_BLOCK means `signal` aborted first. */
  async #sleepUntil(side: number, attempt: () => number, signal: AbortSignal | undefined, batch: boolean): Promise<number> {
    const cells = this.#cells;
    let onAbort: (() => void) | undefined;
    const aborted =
      signal === undefined
        ? undefined
        : new Promise<'aborted'>((resolve) => {
            onAbort = () => resolve('aborted');
            signal.addEventListener('abort', onAbort, { once: true });
          });
    const spun = signal?.aborted === true ? WOULD_BLOCK : this.#spin(attempt);
    if (spun !== WOULD_BLOCK) {
      if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
      return spun;
    }
    // The batch count first: a take that sees the sleeper also sees that it may need more than one slot.
    if (batch) Atomics.add(cells, BATCH_SENDERS, 1);
    Atomics.add(cells, side + SLEEPERS, 1);
    try {
      let slice = FIRST_SLICE_MS;
      for (;;) {
        if (signal?.aborted === true) return WOULD_BLOCK;
        // Read before the attempt: a change after it (the transition that wakes us) then shows.
        const seen = Atomics.load(cells, side);
        const outcome = attempt();
        if (outcome !== WOULD_BLOCK) return outcome;
        // A pending waitAsync holds no ref on the event loop (nodejs/node#61941: a worker whose only
        // work is this wait exits with code 13 before the wake-up), so each wait is bounded and a
        // ref'd timer of the same length keeps the loop alive and re-checks the ring even if the
        // wake-up is never delivered. Slices grow so a long wait costs a few timers a second.
        const wait = waitAsync(cells, side, seen, slice);
        if (wait.async) {
          let timer: NodeJS.Timeout | undefined;
          const sliceEnded = new Promise<'slice'>((resolve) => {
            timer = setTimeout(resolve, slice + 1, 'slice');
          });
          try {
            const race: Promise<unknown>[] = [wait.value, sliceEnded];
            if (aborted !== undefined) race.push(aborted);
            if ((await Promise.race(race)) === 'aborted') return WOULD_BLOCK;
          } finally {
            clearTimeout(timer);
          }
        }
        slice = Math.min(slice * 2, LAST_SLICE_MS);
      }
    } finally {
      Atomics.sub(cells, side + SLEEPERS, 1);
      if (batch) Atomics.sub(cells, BATCH_SENDERS, 1);
      if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Retries `attempt` whenever the length changes during a short poll, before the caller sleeps:
   * while the other side is active, a wake-up (a notify for the waker, ~15 µs for the sleeper) costs
   * far more than watching one word for a few microseconds. Gives up at once when nothing moves.
   */
  #spin(attempt: () => number): number {
    const cells = this.#cells;
    for (let round = 0; round < SPIN_ROUNDS; round++) {
      const seen = Atomics.load(cells, LENGTH);
      let polls = 0;
      while (polls < SPIN_POLLS && Atomics.load(cells, LENGTH) === seen) polls++;
      if (polls === SPIN_POLLS) return WOULD_BLOCK;
      const outcome = attempt();
      if (outcome !== WOULD_BLOCK) return outcome;
    }
    return WOULD_BLOCK;
  }

  #lock(): void {
    if (Atomics.compareExchange(this.#cells, LOCK, 0, 1) !== 0) this.#lockContended();
  }

  #lockContended(): void {
    const cells = this.#cells;
    for (let i = 0; i < LOCK_SPINS; i++) {
      if (Atomics.load(cells, LOCK) === 0 && Atomics.compareExchange(cells, LOCK, 0, 1) === 0) return;
    }
    const stuckAt = performance.now() + LOCK_STUCK_MS;
    while (Atomics.exchange(cells, LOCK, 2) !== 0) {
      if (Atomics.wait(cells, LOCK, 2, LOCK_SLICE_MS) === 'timed-out' && performance.now() > stuckAt) {
        throw new Error(
          `The shared channel stayed locked for ${LOCK_STUCK_MS} ms: a thread was probably terminated in the middle of an operation on it`,
        );
      }
    }
  }

  #unlock(): void {
    if (Atomics.exchange(this.#cells, LOCK, 0) === 2) Atomics.notify(this.#cells, LOCK, 1);
  }
}

function wake(cells: Int32Array, side: number): void {
  Atomics.add(cells, side, 1);
  Atomics.notify(cells, side);
}
