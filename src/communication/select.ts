// select(): wait on several channel sends and receives and complete exactly one, chosen at random among the ready.
import { cancellationError } from '../core/errors.js';
import { armGuard, needsGuard, SELECT, Waiter, type SelectParty } from './channel-engine.js';
import { CaseImpl, PolledCase, type SelectCases, type SelectResult } from './select-case.js';
import { checkWaitOptions, type WaitOptions } from '../core/wait-guard.js';

/**
 * What `trySelect()` returns when no case is ready (`case` is `null`, so it never clashes with a case name).
 *
 * @example
 * const r = trySelect({ a: a.receiveCase() });
 * if (r.state === 'none') console.log('nothing ready');
 */
export interface NoneReady {
  readonly case: null;
  readonly state: 'none';
}

const NONE: NoneReady = Object.freeze({ case: null, state: 'none' });

/** The case names of `cases`, validated; `casesOf(cases, names)` then gives the cases in the same order. */
function namesOf(cases: unknown): string[] {
  if (typeof cases !== 'object' || cases === null || Array.isArray(cases)) {
    throw new TypeError('cases must be an object of named cases, e.g. { a: channel.receiveCase() }');
  }
  const names = Object.keys(cases);
  if (names.length === 0) throw new TypeError('cases must name at least one case');
  return names;
}

/** A case on a channel of this loop, or a case on a channel shared with other threads. */
type AnyCase = CaseImpl | PolledCase;

function casesOf(cases: object, names: string[]): AnyCase[] {
  const impls: AnyCase[] = new Array<AnyCase>(names.length);
  for (let i = 0; i < names.length; i++) {
    const c = (cases as Record<string, unknown>)[names[i]!];
    if (!(c instanceof CaseImpl) && !(c instanceof PolledCase)) throw new TypeError(`cases.${names[i]!} must be made by receiveCase() or sendCase()`);
    impls[i] = c;
  }
  return impls;
}

function isReady(c: AnyCase): boolean {
  if (c instanceof PolledCase) return c.ready();
  return c.kind === 'receive' ? c.engine.hasValue() || c.engine.drained : c.engine.canSend();
}

/** Completes a ready case now and describes the outcome; `undefined` if another thread took a polled case first. */
function commit(name: string, c: AnyCase): object | undefined {
  if (c instanceof PolledCase) return c.commit(name);
  const engine = c.engine;
  if (c.kind === 'receive') {
    return engine.hasValue() ? { case: name, state: 'ok', value: engine.take() } : { case: name, state: 'closed' };
  }
  if (engine.closed) return { case: name, state: 'closed', value: c.value };
  engine.put(c.value);
  return { case: name, state: 'ok' };
}

/** Completes one ready case picked uniformly at random (Go's rule, so no case starves); `undefined` if none. */
function commitReady(names: string[], impls: AnyCase[]): object | undefined {
  for (;;) {
    let ready = 0;
    for (const c of impls) if (isReady(c)) ready++;
    if (ready === 0) return undefined;
    let pick = Math.floor(Math.random() * ready);
    for (let i = 0; i < impls.length; i++) {
      if (isReady(impls[i]!) && pick-- === 0) {
        const done = commit(names[i]!, impls[i]!);
        if (done !== undefined) return done;
        break;
      }
    }
    // Only a polled case changes between the passes (another thread took its value or room): look again.
  }
}

/**
 * One pending select: a waiter per case on that case's channel. The first channel to complete one of
 * them calls `settle()`, which in the same tick withdraws all the others — so no other case can
 * consume or deliver a value afterwards.
 */
class PendingSelect implements SelectParty {
  readonly waiters: Waiter<unknown>[] = [];
  readonly promise: Promise<object>;
  resolve!: (result: object) => void;
  reject!: (error: unknown) => void;
  onSettle: (() => void) | null = null;
  /** Waiting on the polled cases, if any: aborted when one may be ready or the select ends. */
  #round: AbortController | null = null;
  #ended = false;

  constructor(
    readonly names: string[],
    readonly impls: AnyCase[],
  ) {
    this.promise = new Promise<object>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    let polled: number[] | undefined;
    for (let i = 0; i < impls.length; i++) {
      const c = impls[i]!;
      if (c instanceof PolledCase) {
        (polled ??= []).push(i);
        continue;
      }
      const waiter = new Waiter<unknown>(SELECT, c.value, this, i);
      (c.kind === 'receive' ? c.engine.receivers : c.engine.senders).push(waiter);
      this.waiters.push(waiter);
      if (c.kind === 'receive') c.engine.waitersAdded();
    }
    if (polled !== undefined) {
      const names = polled.map((i) => this.names[i]!);
      this.#poll(names, polled.map((i) => impls[i] as PolledCase)).catch((error: unknown) => {
        if (this.#ended) return;
        this.withdraw();
        if (this.onSettle !== null) this.onSettle();
        this.reject(error);
      });
    }
  }

  withdraw(): void {
    this.#ended = true;
    for (const w of this.waiters) w.list?.remove(w);
    this.#round?.abort();
  }

  /**
   * Polled cases have no waiter to complete: sleep until one may be ready, then try them. (The other
   * cases complete through their waiters the moment they can, so they need no look here.)
   */
  async #poll(names: string[], cases: PolledCase[]): Promise<void> {
    while (!this.#ended) {
      const round = (this.#round = new AbortController());
      await Promise.race(cases.map((c) => c.whenReady(round.signal)));
      round.abort();
      if (this.#ended) return;
      const done = commitReady(names, cases);
      if (done === undefined) continue;
      this.withdraw();
      if (this.onSettle !== null) this.onSettle();
      this.resolve(done);
    }
  }

  settle(waiter: Waiter<unknown>, closed: boolean, value: unknown): void {
    this.withdraw();
    if (this.onSettle !== null) this.onSettle();
    const name = this.names[waiter.index]!;
    if (this.impls[waiter.index]!.kind === 'receive') {
      this.resolve(closed ? { case: name, state: 'closed' } : { case: name, state: 'ok', value });
    } else {
      this.resolve(closed ? { case: name, state: 'closed', value } : { case: name, state: 'ok' });
    }
  }
}

/**
 * Waits until one of `cases` can complete, completes exactly that one and resolves with its name and
 * outcome. When several are ready at once, one is chosen uniformly at random, so a busy channel
 * cannot starve the others. No other case consumes or delivers a value.
 *
 * - A receive case on a closed, drained channel is ready and yields `{ case, state: 'closed' }`.
 * - A send case on a closed channel is ready and yields `{ case, state: 'closed', value }` (the unsent value).
 * - Abort or timeout rejects with `CancelledError` / `TimeoutError` and withdraws every case.
 * - For a non-blocking select (Go's `default:`), use `trySelect()`.
 *
 * @example
 * const jobs = new Channel<string>(8);
 * const results = new Channel<number>(8);
 * const r = await select({ job: jobs.receiveCase(), result: results.sendCase(42) }, { timeout: 1000 });
 * if (r.case === 'job' && r.state === 'ok') console.log(r.value.toUpperCase()); // r.value: string
 */
export function select<C extends SelectCases>(cases: C, options?: WaitOptions): Promise<SelectResult<C>> {
  let names: string[];
  let impls: AnyCase[];
  let signal: AbortSignal | undefined;
  let timeout: number | undefined;
  let clock: WaitOptions['clock'];
  try {
    names = namesOf(cases);
    impls = casesOf(cases, names);
    if (options !== undefined) ({ signal, timeout, clock } = checkWaitOptions(options));
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal?.aborted === true) return Promise.reject(cancellationError(signal.reason));
  const done = commitReady(names, impls);
  if (done !== undefined) return Promise.resolve(done as SelectResult<C>);

  const pending = new PendingSelect(names, impls);
  if (needsGuard(signal, timeout)) {
    pending.onSettle = armGuard(signal, timeout, clock, (error) => {
      pending.withdraw();
      pending.reject(error);
    });
  }
  return pending.promise as Promise<SelectResult<C>>;
}

/**
 * The non-blocking select (Go's `select` with `default:`): completes one ready case, chosen at random,
 * or returns `{ case: null, state: 'none' }` without waiting when none is ready.
 *
 * @example
 * const inbox = new Channel<string>(4);
 * const r = trySelect({ message: inbox.receiveCase() });
 * if (r.case === null) console.log('nothing yet');
 */
export function trySelect<C extends SelectCases>(cases: C): SelectResult<C> | NoneReady {
  const names = namesOf(cases);
  const impls = casesOf(cases, names);
  return (commitReady(names, impls) as SelectResult<C> | undefined) ?? NONE;
}
