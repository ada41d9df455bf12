// The cases `select()` waits on: a receive from, or a send to, one channel; made by `receiveCase()` / `sendCase()`.
import type { ChannelEngine } from './channel-engine.js';

declare const receivedType: unique symbol;

/**
 * A receive that `select()` may complete; made by `channel.receiveCase()` or `receiver.receiveCase()`.
 * Its result is `{ case, state: 'ok', value }`, or `{ case, state: 'closed' }` once the channel is
 * closed and drained (a closed channel's receive case is always ready, like Go's `v, ok := <-ch`).
 *
 * @example
 * const numbers = new Channel<number>(1);
 * const ready: ReceiveCase<number> = numbers.receiveCase();
 */
export interface ReceiveCase<T> {
  readonly kind: 'receive';
  /** Type-only: carries `T` so the select result is typed. */
  readonly [receivedType]?: T;
}

/**
 * A send of `value` that `select()` may complete; made by `channel.sendCase(value)`.
 * Its result is `{ case, state: 'ok' }`, or `{ case, state: 'closed', value }` when the channel is
 * closed (a closed channel's send case is always ready and hands the unsent value back).
 *
 * @example
 * const words = new Channel<string>(1);
 * const offer: SendCase<string> = words.sendCase('hello');
 */
export interface SendCase<T> {
  readonly kind: 'send';
  readonly value: T;
}

/**
 * Named cases for `select()`; the names come back in the result's `case` field. Cases are immutable
 * descriptions: the same object may be passed to many selects.
 *
 * @example
 * const cases = { tick: ticks.receiveCase(), quit: quit.receiveCase() } satisfies SelectCases;
 */
export type SelectCases = Readonly<Record<string, ReceiveCase<any> | SendCase<any>>>;

/**
 * What `select(cases)` resolves with: one member per case name, discriminated by `case` then `state`;
 * a receive case's `value` has its channel's type.
 *
 * @example
 * const r: SelectResult<{ n: ReceiveCase<number>; s: SendCase<string> }> = await select({ n: numbers.receiveCase(), s: words.sendCase('x') });
 * switch (r.case) {
 *   case 'n': if (r.state === 'ok') console.log(r.value + 1); break; // number
 *   case 's': if (r.state === 'closed') console.log('unsent', r.value); break; // string
 * }
 */
export type SelectResult<C extends SelectCases> = {
  [K in keyof C & string]: C[K] extends SendCase<infer V>
    ? { readonly case: K; readonly state: 'ok' } | { readonly case: K; readonly state: 'closed'; readonly value: V }
    : C[K] extends ReceiveCase<infer V>
      ? { readonly case: K; readonly state: 'ok'; readonly value: V } | { readonly case: K; readonly state: 'closed' }
      : never;
}[keyof C & string];

/** The runtime form of both case kinds; the engine is not part of the public type. */
export class CaseImpl {
  constructor(
    readonly kind: 'receive' | 'send',
    readonly engine: ChannelEngine<unknown>,
    readonly value: unknown,
  ) {}
}

export function receiveCaseOf<T>(engine: ChannelEngine<T>): ReceiveCase<T> {
  return new CaseImpl('receive', engine as ChannelEngine<unknown>, undefined) as unknown as ReceiveCase<T>;
}

export function sendCaseOf<T>(engine: ChannelEngine<T>, value: T): SendCase<T> {
  return new CaseImpl('send', engine as ChannelEngine<unknown>, value) as SendCase<T>;
}

/**
 * The runtime form of a case on a channel that other threads use too (a `SharedChannel`): select
 * cannot queue a waiter inside such a channel, so it tries the case without waiting and, while no
 * case is ready, sleeps until the channel signals a change. Another thread may take the value (or
 * the room) between `ready()` and `commit()`; select then looks again.
 */
export abstract class PolledCase {
  abstract readonly kind: 'receive' | 'send';
  /** Whether the case looks completable now (a snapshot). */
  abstract ready(): boolean;
  /** Completes the case now and returns its result under `name`; `undefined` when another thread got there first. */
  abstract commit(name: string): object | undefined;
  /** Resolves once the case may be ready, or once `signal` aborts. */
  abstract whenReady(signal: AbortSignal): Promise<void>;
}
