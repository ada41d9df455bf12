// A small typed client for the task service's HTTP API (the `braid` commands speak only through it).
import type { Placement } from '../executors/index.js';
import type { TaskView } from '../jobs/service/task-view.js';
import type { TaskEvent, TaskStatus } from '../jobs/store/task-store.js';
import { parseEventStream } from './sse.js';

/** An error answer of the API (`{ error: { code, message } }`), or an unreachable server (`code` `UNREACHABLE`). */
export class ApiError extends Error {
  override name = 'ApiError';
  /** The API's stable code (`TASK_NOT_FOUND`, `UNAUTHORIZED`, …), `HTTP_<status>` when the body had none, or `UNREACHABLE`. */
  readonly code: string;
  /** The HTTP status, 0 when the server could not be reached. */
  readonly status: number;

  constructor(code: string, message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.status = status;
  }
}

/** Options of `new BraidClient()`. */
export interface BraidClientOptions {
  /** Base URL of the API; default `http://127.0.0.1:7700`. */
  url?: string | URL;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
}

/** A task type as `GET /types` lists it. */
export interface TaskTypeInfo {
  name: string;
  on: Placement;
  inputSchema?: object;
}

/** Options of `BraidClient.events()`. */
export interface ClientEventsOptions {
  /** Only this task's events (`GET /tasks/:id/events`). */
  taskId?: string;
  /** Replay events after this seq (sent as `Last-Event-ID`); default: the server's default. */
  after?: number;
  signal?: AbortSignal;
  /** Consecutive failed reconnections before the stream throws; default 5. */
  maxReconnects?: number;
}

const SETTABLE = new Set(['cancelled', 'paused', 'queued']);

/**
 * The task service's API over `fetch`. Every method rejects with `ApiError` carrying the API's error
 * code, or code `UNREACHABLE` when nothing answers.
 *
 * @example
 * const client = new BraidClient({ url: 'http://127.0.0.1:7700' });
 * const { id } = await client.create('resize', { width: 800 });
 * console.log((await client.get(id)).status);
 */
export class BraidClient {
  readonly url: URL;
  readonly #token: string | undefined;

  constructor(options: BraidClientOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    const url = options.url ?? 'http://127.0.0.1:7700';
    if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('options.url must be a string or URL');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`options.url must be an absolute http(s) URL, got ${JSON.stringify(String(url))}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('options.url must be an http or https URL');
    if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
    this.url = parsed;
    if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) {
      throw new TypeError('options.token must be a non-empty string');
    }
    this.#token = options.token;
  }

  /** `POST /tasks`: resolves as soon as the service has stored the task. */
  create(
    type: string,
    input: unknown,
    options: { priority?: number; runAt?: string | number; idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<{ id: string; status: TaskStatus }> {
    if (typeof type !== 'string' || type === '') throw new TypeError('type must be a non-empty string');
    const { signal, ...rest } = options;
    return this.#json('POST', 'tasks', { type, input, ...rest }, signal);
  }

  /** `GET /tasks/:id`; rejects with code `TASK_NOT_FOUND` when there is none. */
  get(id: string, options: { signal?: AbortSignal } = {}): Promise<TaskView> {
    return this.#json('GET', `tasks/${encodeURIComponent(checkId(id))}`, undefined, options.signal);
  }

  /** `GET /tasks`, newest first; pass `nextCursor` back as `cursor` for the next page. */
  list(
    options: { status?: TaskStatus; type?: string; limit?: number; cursor?: string; signal?: AbortSignal } = {},
  ): Promise<{ tasks: TaskView[]; nextCursor: string | null }> {
    const query = new URLSearchParams();
    for (const key of ['status', 'type', 'limit', 'cursor'] as const) {
      const value = options[key];
      if (value !== undefined) query.set(key, String(value));
    }
    const qs = query.toString();
    return this.#json('GET', qs === '' ? 'tasks' : `tasks?${qs}`, undefined, options.signal);
  }

  /** `PUT /tasks/:id`: `cancelled`, `paused`, or `queued` (resume). */
  setStatus(id: string, status: 'cancelled' | 'paused' | 'queued', options: { signal?: AbortSignal } = {}): Promise<TaskView> {
    if (!SETTABLE.has(status)) throw new TypeError(`status must be 'cancelled', 'paused' or 'queued', got ${JSON.stringify(status)}`);
    return this.#json('PUT', `tasks/${encodeURIComponent(checkId(id))}`, { status }, options.signal);
  }

  /** `GET /types`: the task types the service runs. */
  async types(options: { signal?: AbortSignal } = {}): Promise<TaskTypeInfo[]> {
    const data = await this.#json<TaskTypeInfo[] | { types: TaskTypeInfo[] }>('GET', 'types', undefined, options.signal);
    return Array.isArray(data) ? data : data.types;
  }

  /**
   * Opens `GET /events` (or one task's `GET /tasks/:id/events`) and resolves once the server has
   * answered, so nothing that happens after this resolves is missed. The iterator reconnects with
   * `Last-Event-ID` when the connection drops (no event is lost or repeated) and throws `ApiError`
   * after `maxReconnects` consecutive failures. Breaking out of the loop closes the connection.
   */
  async events(options: ClientEventsOptions = {}): Promise<TaskEventStream> {
    const { taskId, after, signal, maxReconnects = 5 } = options;
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0)) throw new RangeError('after must be a non-negative integer');
    if (!Number.isSafeInteger(maxReconnects) || maxReconnects < 0) throw new RangeError('maxReconnects must be a non-negative integer');
    const path = taskId === undefined ? 'events' : `tasks/${encodeURIComponent(checkId(taskId))}/events`;
    const closer = new AbortController();
    const combined = signal === undefined ? closer.signal : AbortSignal.any([signal, closer.signal]);
    const first = await this.#openStream(path, after, combined);
    return new TaskEventStream(first, closer, this.#follow(path, first, after, combined, closer.signal, maxReconnects));
  }

  async *#follow(
    path: string,
    response: Response,
    after: number | undefined,
    signal: AbortSignal,
    closed: AbortSignal,
    maxReconnects: number,
  ): AsyncGenerator<TaskEvent, void, undefined> {
    let last = after;
    let retryMs = 1000;
    let res: Response | undefined = response;
    for (;;) {
      if (res?.body) {
        try {
          for await (const msg of parseEventStream(res.body)) {
            if (msg.retry !== undefined) retryMs = msg.retry;
            if (msg.data === '') continue;
            const event = parseEvent(msg.data);
            last = typeof event.seq === 'number' ? event.seq : Number(msg.id) || last;
            yield event;
          }
        } catch (error) {
          if (closed.aborted) return;
          if (signal.aborted) throw signal.reason;
          if (error instanceof ApiError) throw error;
          // Otherwise the connection dropped (server restart, network): fall through and reconnect.
        }
      }
      res = undefined;
      if (maxReconnects === 0) throw new ApiError('UNREACHABLE', `the event stream at ${new URL(path, this.url).href} ended`, 0);
      for (let failures = 0; res === undefined; failures++) {
        if (failures > 0 && failures >= maxReconnects) throw new ApiError('UNREACHABLE', `lost the event stream at ${new URL(path, this.url).href}`, 0);
        try {
          await delay(Math.min(retryMs * 2 ** failures, 30_000), signal);
          res = await this.#openStream(path, last, signal);
        } catch (error) {
          if (closed.aborted) return;
          if (!(error instanceof ApiError) || error.status !== 0) throw error;
        }
      }
    }
  }

  async #openStream(path: string, after: number | undefined, signal: AbortSignal | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (after !== undefined) headers['last-event-id'] = String(after);
    const res = await this.#fetch('GET', path, headers, undefined, signal);
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  async #json<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.#fetch(method, path, headers, body === undefined ? undefined : JSON.stringify(body), signal);
    if (!res.ok) throw await errorOf(res);
    return (await res.json()) as T;
  }

  async #fetch(method: string, path: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    const url = new URL(path, this.url);
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = body;
    if (signal !== undefined) init.signal = signal;
    try {
      return await fetch(url, init);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code === 'ECONNREFUSED' ? 'connection refused' : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new ApiError('UNREACHABLE', `cannot reach ${this.url.origin} (${why}); is \`braid serve\` running?`, 0, { cause: error });
    }
  }
}

/**
 * A connected event stream: iterate it with `for await`; breaking out, `return()` or `close()` ends the
 * connection, also when iteration never started (a plain async generator would leave it open then).
 */
export class TaskEventStream implements AsyncIterableIterator<TaskEvent, void, undefined> {
  readonly #first: Response;
  readonly #closer: AbortController;
  readonly #events: AsyncGenerator<TaskEvent, void, undefined>;

  /** Internal: `BraidClient.events()` makes these. */
  constructor(first: Response, closer: AbortController, events: AsyncGenerator<TaskEvent, void, undefined>) {
    this.#first = first;
    this.#closer = closer;
    this.#events = events;
  }

  next(): Promise<IteratorResult<TaskEvent, void>> {
    return this.#events.next();
  }

  async return(): Promise<IteratorResult<TaskEvent, void>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Ends the connection; a pending `next()` resolves done. Idempotent. */
  async close(): Promise<void> {
    if (this.#closer.signal.aborted) return;
    this.#closer.abort();
    // Unread (iteration never started) the body is not owned by the generator: release it here.
    await this.#first.body?.cancel().catch(() => undefined);
    await this.#events.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function parseEvent(data: string): TaskEvent {
  try {
    return JSON.parse(data) as TaskEvent;
  } catch {
    throw new ApiError('BAD_EVENT', `the event stream sent data that is not JSON: ${data.slice(0, 100)}`, 200);
  }
}

function checkId(id: string): string {
  if (typeof id !== 'string' || id === '') throw new TypeError('id must be a non-empty string');
  return id;
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (body.error && typeof body.error.code === 'string') {
      return new ApiError(body.error.code, typeof body.error.message === 'string' ? body.error.message : res.statusText, res.status);
    }
  } catch {
    // not JSON: fall back to the status line
  }
  return new ApiError(`HTTP_${res.status}`, text.slice(0, 200) || res.statusText, res.status);
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
