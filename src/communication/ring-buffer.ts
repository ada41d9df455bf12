// A growable FIFO ring of values: O(1) push/shift, no per-operation allocation, slots cleared so nothing is retained.

const MIN_SLOTS = 16;

/**
 * FIFO storage for a channel's buffered values. Slots are a power of two so wrapping is a mask; the
 * array doubles when full and halves when three quarters empty (never below 16 slots), so a burst
 * on an unbounded channel does not pin its memory forever. Callers enforce any bound themselves.
 *
 * @example
 * const ring = new RingBuffer<number>();
 * ring.push(1);
 * ring.push(2);
 * ring.shift(); // 1
 */
export class RingBuffer<T> {
  #slots: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;

  constructor() {
    this.#slots = new Array<T | undefined>(MIN_SLOTS).fill(undefined);
    this.#mask = MIN_SLOTS - 1;
  }

  get length(): number {
    return this.#length;
  }

  push(value: T): void {
    if (this.#length === this.#slots.length) this.#resize(this.#slots.length * 2);
    this.#slots[(this.#head + this.#length) & this.#mask] = value;
    this.#length++;
  }

  /** Puts `value` in front of the oldest one (it becomes the next `shift()`). */
  unshift(value: T): void {
    if (this.#length === this.#slots.length) this.#resize(this.#slots.length * 2);
    this.#head = (this.#head - 1) & this.#mask;
    this.#slots[this.#head] = value;
    this.#length++;
  }

  /** Removes and returns the oldest value; the caller guarantees `length > 0`. */
  shift(): T {
    const slots = this.#slots;
    const value = slots[this.#head] as T;
    slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    if (slots.length > MIN_SLOTS && this.#length < slots.length >>> 2) this.#resize(slots.length >>> 1);
    return value;
  }

  /** Removes every value, oldest first, and returns them. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#length > 0) out.push(this.shift());
    return out;
  }

  /** Array size currently reserved; exposed so tests can check that the ring shrinks. */
  get slots(): number {
    return this.#slots.length;
  }

  #resize(size: number): void {
    const next = new Array<T | undefined>(size).fill(undefined);
    for (let i = 0; i < this.#length; i++) next[i] = this.#slots[(this.#head + i) & this.#mask];
    this.#slots = next;
    this.#mask = size - 1;
    this.#head = 0;
  }
}
