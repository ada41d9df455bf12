// Server-Sent Events for the task event log: frames, heartbeats, backpressure, and closing every stream with the server.

import type { ServerResponse } from 'node:http';
import type { Clock, Timer } from '../../core/clock.js';
import type { TaskEvent } from '../store/task-store.js';

/**
 * One SSE frame for an event: `id:` is its `seq` (what the browser sends back as `Last-Event-ID`),
 * `event:` its kind, `data:` the whole event as one line of JSON (JSON never holds a raw newline).
 *
 * @example
 * sseFrame({ seq: 7, taskId: 'T', kind: 'progress', payload: { progress: 50 }, at: 0 });
 * // 'id: 7\nevent: progress\ndata: {"seq":7,...}\n\n'
 */
export function sseFrame(event: TaskEvent): string {
  return `id: ${event.seq}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The replay point a client asked for: the `Last-Event-ID` header (sent by a reconnecting
 * `EventSource`) wins over `?after=` (the URL it first opened). Undefined when neither is given;
 * a value that is not a non-negative safe integer is undefined too, so the caller can reject it.
 *
 * @example
 * replayPoint('41', undefined); // 41
 */
export function replayPoint(lastEventId: string | string[] | undefined, after: number | undefined): number | undefined | 'invalid' {
  if (lastEventId === undefined) return after;
  const value = Array.isArray(lastEventId) ? lastEventId[lastEventId.length - 1] : lastEventId;
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return 'invalid';
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : 'invalid';
}

/** Options of `EventStreams`. */
export interface EventStreamsOptions {
  /** A comment line is sent this often so proxies and browsers keep an idle stream open; default 15,000 ms. */
  heartbeatMs?: number;
  /** What a browser waits before reconnecting, sent as `retry:`; default 2,000 ms. */
  retryMs?: number;
  /** Most streams open at once (each holds a socket and a store reader); default 1,000. */
  max?: number;
  clock: Clock;
  /** Told about an event source that failed (the stream is ended; the client reconnects and replays). */
  onError?: (error: unknown) => void;
}

/** What `serve()` needs of a fastify reply: its Node response, and taking it over from fastify. */
export interface HijackableReply {
  readonly raw: ServerResponse;
  hijack(): unknown;
}

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx buffers responses by default, which would hold events back.
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

/**
 * The open Server-Sent Events streams of one server. `serve()` takes over a response and writes
 * events until the client goes away, the source ends, or `closeAll()`; in every case the source's
 * iterator is closed (its `signal` aborts) and the response ended, so nothing outlives the stream.
 *
 * @example
 * const streams = new EventStreams({ clock: systemClock });
 * // In a fastify handler: the reply is hijacked once the source is open.
 * await streams.serve(reply, (signal) => service.events({ after: 0, signal }));
 */
export class EventStreams {
  readonly #heartbeatMs: number;
  readonly #retryMs: number;
  readonly #clock: Clock;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #max: number;
  readonly #open = new Map<AbortController, Promise<void>>();
  #closed = false;
  #opened = 0;

  constructor(options: EventStreamsOptions) {
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#retryMs = options.retryMs ?? 2_000;
    if (!(this.#heartbeatMs > 0)) throw new RangeError(`heartbeatMs must be a positive number, got ${String(this.#heartbeatMs)}`);
    if (!(this.#retryMs >= 0)) throw new RangeError(`retryMs must be a non-negative number, got ${String(this.#retryMs)}`);
    this.#max = options.max ?? 1_000;
    if (!(Number.isSafeInteger(this.#max) && this.#max >= 1)) throw new RangeError(`max must be a positive integer, got ${String(this.#max)}`);
    this.#clock = options.clock;
    this.#onError = options.onError;
  }

  /** True when `max` streams are open: the caller answers 503 instead of opening another. */
  get full(): boolean {
    return this.#open.size >= this.#max;
  }

  /** How many streams are open now. */
  get size(): number {
    return this.#open.size;
  }

  /** How many streams were ever opened (fastify's response hooks never see a hijacked reply, so they are counted here). */
  get opened(): number {
    return this.#opened;
  }

  /**
   * Opens `source(signal)`, then takes the reply over (`hijack()`) and streams the source to it as SSE;
   * resolves once the stream is over and the source closed. If opening the source throws, the error
   * propagates with nothing written, so the caller can still answer it as JSON.
   */
  serve(reply: HijackableReply, source: (signal: AbortSignal) => AsyncIterable<TaskEvent>): Promise<void> {
    const controller = new AbortController();
    if (this.#closed) controller.abort();
    const events = source(controller.signal);
    reply.hijack();
    this.#opened++;
    const done = this.#pump(reply.raw, events, controller).finally(() => this.#open.delete(controller));
    this.#open.set(controller, done);
    return done;
  }

  /** Ends every open stream and waits until their sources are closed; later `serve()` calls end at once. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#open.keys()) controller.abort();
    await Promise.all(this.#open.values());
  }

  async #pump(res: ServerResponse, events: AsyncIterable<TaskEvent>, controller: AbortController): Promise<void> {
    const { signal } = controller;
    const stop = (): void => controller.abort();
    // The response's 'close' fires when the client goes away (or after we end it). Not the request's:
    // that one fires as soon as the request has been read.
    res.on('close', stop);
    // A write to a socket the client just closed may error; the close handler above ends the stream.
    res.on('error', stop);
    let heartbeat: Timer | undefined;
    const beat = (): void => {
      if (signal.aborted) return;
      res.write(': ping\n\n');
      heartbeat = this.#clock.setTimer(this.#heartbeatMs, beat);
    };
    try {
      res.writeHead(200, HEADERS);
      res.write(`retry: ${this.#retryMs}\n: connected\n\n`);
      heartbeat = this.#clock.setTimer(this.#heartbeatMs, beat);
      if (signal.aborted) return;
      for await (const event of events) {
        if (signal.aborted) break;
        if (!res.write(sseFrame(event))) await drained(res, signal);
        if (signal.aborted) break;
      }
    } catch (error) {
      // An abort surfacing from the source is the normal end; anything else is reported, and the
      // client reconnects with its Last-Event-ID and misses nothing.
      if (!signal.aborted) this.#onError?.(error);
    } finally {
      heartbeat?.cancel();
      controller.abort();
      res.off('close', stop);
      if (!res.writableEnded) res.end();
    }
  }
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done);
  });
}
