// Time as an injectable dependency: the system clock for production, FakeClock for deterministic tests.

/** A scheduled callback; `cancel()` is idempotent and safe after it fired. */
export interface Timer {
  cancel(): void;
}

/**
 * The source of time for every Braid primitive that waits. Inject a `FakeClock` in tests.
 *
 * @example
 * const clock: Clock = systemClock;
 * const timer = clock.setTimer(100, () => console.log('fired'));
 * timer.cancel();
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are meaningful). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds unless cancelled first. */
  setTimer(ms: number, fn: () => void): Timer;
}

/** The real clock: `performance.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in due order, and pending microtasks (promise
 * continuations) run between timers so async code observes time the way it would for real.
 *
 * @example
 * const clock = new FakeClock();
 * const slept = sleep(1000, { clock });
 * await clock.advance(1000);
 * await slept; // resolved without waiting a second
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: FakeTimer[] = [];

  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`start must be a finite number, got ${String(start)}`);
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const timer: FakeTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers scheduled and not yet fired or cancelled; a test asserts 0 at its end to catch leaks. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting microtasks settle after each. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`ms must be a non-negative finite number, got ${String(ms)}`);
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#now = next.at;
      next.cancelled = true;
      next.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
  }

  /** Advances to the next pending timer and fires it (and any due with it); returns false if none. */
  async next(): Promise<boolean> {
    const next = this.#nextDue(Infinity);
    if (!next) return false;
    await this.advance(next.at - this.#now);
    return true;
  }

  #nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) {
      if (t.cancelled || t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Lets queued promise continuations run: a macrotask hop drains the microtask queue. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
