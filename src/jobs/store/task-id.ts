// Time-ordered unique task ids (ULID layout), so sorting ids sorts tasks by creation and keyset pagination is stable.

import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;
const MAX_TIME = 2 ** 48 - 1;

// Process-wide state: ids made in one process are strictly increasing even within one millisecond
// and even if the clock steps back (the time part never decreases).
let lastTime = -1;
const lastRandom: number[] = new Array<number>(RANDOM_LENGTH).fill(0);

/**
 * A new 26-character id: 48 bits of milliseconds then 80 random bits, in Crockford base32. Ids made by
 * one process are strictly increasing; ids from different processes are unique and ordered by
 * millisecond.
 *
 * @example
 * const a = newTaskId(Date.now());
 * const b = newTaskId(Date.now());
 * console.log(a < b); // true
 */
export function newTaskId(now: number): string {
  if (!Number.isFinite(now) || now < 0 || now > MAX_TIME) throw new RangeError(`now must be epoch milliseconds, got ${String(now)}`);
  const time = Math.floor(now);
  if (time > lastTime) {
    lastTime = time;
    const bytes = randomBytes(RANDOM_LENGTH);
    // Leave the top bit of the random part clear so increments within one millisecond never overflow.
    for (let i = 0; i < RANDOM_LENGTH; i++) lastRandom[i] = bytes[i]! & (i === 0 ? 15 : 31);
  } else {
    increment(lastRandom);
  }
  let out = '';
  let t = lastTime;
  for (let i = 0; i < TIME_LENGTH; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  for (const digit of lastRandom) out += ALPHABET[digit]!;
  return out;
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]! += 1;
      return;
    }
    digits[i] = 0;
  }
  // 2^79 ids in one millisecond cannot happen; wrap into the next millisecond to stay ordered anyway.
  lastTime += 1;
}

/** The millisecond encoded in a task id (its creation time). */
export function taskIdTime(id: string): number {
  let t = 0;
  for (let i = 0; i < TIME_LENGTH; i++) {
    const digit = ALPHABET.indexOf(id[i] ?? '');
    if (digit < 0) throw new TypeError(`id must be a task id, got ${JSON.stringify(id)}`);
    t = t * 32 + digit;
  }
  return t;
}
