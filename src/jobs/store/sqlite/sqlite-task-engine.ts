// The SQLite task store's engine: every operation as a synchronous function over prepared statements, run inside a group transaction.

import type { Database, Statement } from 'better-sqlite3';
import { TaskStoreError } from '../task-store-error.js';
import { encodeCursor } from '../task-arguments.js';
import type { ClaimTasksArgs, CreateTaskArgs, LeaseArgs, ListTasksArgs } from '../task-arguments.js';
import { newTaskId } from '../task-id.js';
import type {
  CreateTaskResult,
  Fenced,
  PurgeFinishedOptions,
  PurgeResult,
  RequestedStatus,
  StatusRequest,
  Task,
  TaskCount,
  TaskError,
  TaskEvent,
  TaskEventKind,
  TaskPage,
  TaskStatus,
} from '../task-store.js';
import { queries, RAW_QUERIES } from './queries.js';

type StoredStatus = Exclude<TaskStatus, 'delayed'>;

interface TaskRow {
  id: string;
  type: string;
  input: string;
  status: StoredStatus;
  priority: number;
  run_at: number;
  idempotency_key: string | null;
  attempts: number;
  max_attempts: number;
  crash_count: number;
  progress: number;
  message: string | null;
  result: string | null;
  error: string | null;
  checkpoint: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  lease_token: number;
  requested_status: RequestedStatus | null;
}

interface EventRow {
  seq: number;
  task_id: string;
  kind: TaskEventKind;
  payload: string;
  at: number;
}

type Statements = { [K in keyof typeof queries]: Statement };

const FINISHED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** The payloads of the hot path's events, serialised once: `created` (queued, delayed) and `succeeded`. */
const CREATED_PAYLOAD = [JSON.stringify({ status: 'queued' }), JSON.stringify({ status: 'delayed' })] as const;
const SUCCEEDED_PAYLOAD = JSON.stringify({ status: 'succeeded', from: 'running' });

/**
 * Trusts its arguments (the facade validated them) and must be called inside a write transaction for
 * writes: it reads then writes, which is atomic only under the transaction's write lock.
 */
export class SqliteTaskEngine {
  readonly #q: Statements;
  readonly #now: () => number;
  /** Set by a write that made a task claimable now; the facade reads and clears it after each commit. */
  #available = false;

  constructor(db: Database, now: () => number) {
    this.#now = () => Math.round(now());
    this.#q = Object.fromEntries(Object.entries(queries).map(([verb, sql]) => [verb, RAW_QUERIES.has(verb) ? db.prepare(sql).raw(true) : db.prepare(sql)])) as Statements;
  }

  /** The highest event seq appended since the last call (0 if none). */
  #lastSeq = 0;

  /** Whether a write since the last call made tasks claimable; clears the flag. */
  takeAvailable(): boolean {
    const available = this.#available;
    this.#available = false;
    return available;
  }

  /** The highest seq appended since the last call, or 0; clears it. */
  takeLastSeq(): number {
    const seq = this.#lastSeq;
    this.#lastSeq = 0;
    return seq;
  }

  createTask(args: CreateTaskArgs): CreateTaskResult {
    const now = this.#now();
    if (args.idempotencyKey !== null) {
      const existing = this.#q['create-task/find-idempotent'].get({ type: args.type, idempotencyKey: args.idempotencyKey }) as TaskRow | undefined;
      if (existing) return { task: this.#toTask(existing, now), created: false };
    }
    const runAt = args.runAt ?? now + args.delayMs;
    const id = newTaskId(now);
    this.#q['create-task'].run({
      id,
      type: args.type,
      input: args.inputJson,
      priority: args.priority,
      runAt,
      idempotencyKey: args.idempotencyKey,
      maxAttempts: args.maxAttempts,
      now,
    });
    // Built here rather than read back: every column was just written (the rest are the schema's defaults).
    const task: Task = {
      id,
      type: args.type,
      input: JSON.parse(args.inputJson),
      status: runAt > now ? 'delayed' : 'queued',
      priority: args.priority,
      runAt,
      idempotencyKey: args.idempotencyKey,
      attempts: 0,
      maxAttempts: args.maxAttempts,
      crashCount: 0,
      progress: 0,
      message: null,
      result: null,
      error: null,
      checkpoint: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      leaseToken: 0,
      requestedStatus: null,
    };
    this.#appended(this.#q['append-event'].run({ taskId: id, kind: 'created', payload: CREATED_PAYLOAD[task.status === 'delayed' ? 1 : 0], now }).lastInsertRowid);
    if (runAt <= now) this.#available = true;
    return { task, created: true };
  }

  claimTasks(args: ClaimTasksArgs): Task[] {
    const now = this.#now();
    const expiresAt = now + args.leaseMs;
    const remaining = new Map<string, number>();
    const excluded: string[] = [];
    if (args.perTypeLimits && args.perTypeLimits.size > 0) {
      for (const [type, limit] of args.perTypeLimits) remaining.set(type, limit);
      const running = this.#q['claim-tasks/running-by-type'].all({ types: JSON.stringify([...remaining.keys()]) }) as { type: string; n: number }[];
      for (const { type, n } of running) remaining.set(type, remaining.get(type)! - n);
      for (const [type, left] of remaining) if (left <= 0) excluded.push(type);
    }
    const types = args.types ? JSON.stringify(args.types) : null;
    let rows: ClaimedRow[];
    // Only limited types that still have room need choosing in code; without them one statement
    // chooses and leases.
    if (excluded.length === remaining.size) {
      rows = this.#q['claim-tasks'].all({ now, types, excluded: JSON.stringify(excluded), limit: args.limit, owner: args.owner, expiresAt }) as ClaimedRow[];
    } else {
      rows = this.#claimWithinLimits(args, types, remaining, excluded, now, expiresAt);
    }
    if (rows.length === 0) return [];
    // RETURNING does not keep the claim order.
    rows.sort(claimOrder);
    const claimed = rows.map((row) => claimedTask(row, args.owner, expiresAt, now));
    const items = JSON.stringify(claimed.map((task) => [task.id, task.attempts]));
    this.#appended(this.#q['claim-tasks/started-events'].run({ items, owner: args.owner, now }).lastInsertRowid);
    return claimed;
  }

  /**
   * Each round leases the candidates whose type has room and excludes types that filled up, so the
   * next round sees new rows; it ends at the limit or when fewer candidates than asked for remain.
   */
  #claimWithinLimits(args: ClaimTasksArgs, types: string | null, remaining: Map<string, number>, excluded: string[], now: number, expiresAt: number): ClaimedRow[] {
    const claimed: ClaimedRow[] = [];
    for (;;) {
      const want = args.limit - claimed.length;
      if (want <= 0) break;
      const candidates = this.#q['claim-tasks/candidates'].all({ now, types, excluded: JSON.stringify(excluded), limit: want }) as { id: string; type: string }[];
      const chosen: string[] = [];
      for (const { id, type } of candidates) {
        const left = remaining.get(type);
        if (left === undefined) {
          chosen.push(id);
        } else if (left > 0) {
          chosen.push(id);
          remaining.set(type, left - 1);
          if (left === 1) excluded.push(type);
        }
      }
      if (chosen.length > 0) {
        const rows = this.#q['claim-tasks/by-ids'].all({ ids: JSON.stringify(chosen), owner: args.owner, expiresAt, now }) as ClaimedRow[];
        for (const row of rows) claimed.push(row);
      }
      if (candidates.length < want || chosen.length === 0) break;
    }
    return claimed;
  }

  renewLease(lease: LeaseArgs, leaseMs: number): Fenced<{ leaseExpiresAt: number; requestedStatus: RequestedStatus | null }> {
    const now = this.#now();
    const row = this.#q['renew-lease'].get({ ...lease, expiresAt: now + leaseMs, now }) as Pick<TaskRow, 'lease_expires_at' | 'requested_status'> | undefined;
    if (!row) return { ok: false, reason: 'lease-lost' };
    return { ok: true, leaseExpiresAt: row.lease_expires_at!, requestedStatus: row.requested_status };
  }

  reportProgress(lease: LeaseArgs, progress: number | null, message: string | null): Fenced<{ requestedStatus: RequestedStatus | null }> {
    const now = this.#now();
    const row = this.#q['report-progress'].get({ ...lease, progress, message, now }) as Pick<TaskRow, 'progress' | 'message' | 'requested_status'> | undefined;
    if (!row) return { ok: false, reason: 'lease-lost' };
    this.#event(lease.id, 'progress', { progress: row.progress, message: row.message }, now);
    return { ok: true, requestedStatus: row.requested_status };
  }

  saveCheckpoint(lease: LeaseArgs, checkpointJson: string): Fenced<{ requestedStatus: RequestedStatus | null }> {
    const now = this.#now();
    const row = this.#q['save-checkpoint'].get({ ...lease, checkpoint: checkpointJson, now }) as Pick<TaskRow, 'requested_status'> | undefined;
    if (!row) return { ok: false, reason: 'lease-lost' };
    this.#event(lease.id, 'checkpoint', {}, now);
    return { ok: true, requestedStatus: row.requested_status };
  }

  completeTask(lease: LeaseArgs, resultJson: string): Fenced<{ finishedAt: number }> {
    const now = this.#now();
    if (this.#q['complete-task'].run({ id: lease.id, leaseToken: lease.leaseToken, result: resultJson, now }).changes === 0) return { ok: false, reason: 'lease-lost' };
    this.#appended(this.#q['append-event'].run({ taskId: lease.id, kind: 'status', payload: SUCCEEDED_PAYLOAD, now }).lastInsertRowid);
    return { ok: true, finishedAt: now };
  }

  /** Completes each run whose lease still holds, in one statement and one event insert; outcomes in input order. */
  completeTasks(items: readonly { lease: LeaseArgs; resultJson: string }[]): Fenced<{ finishedAt: number }>[] {
    const now = this.#now();
    const lost: Fenced<{ finishedAt: number }> = { ok: false, reason: 'lease-lost' };
    // A lease given twice completes once: like consecutive calls, the first wins and the next finds it done.
    const keys = items.map(({ lease }) => `${lease.id}\0${lease.leaseToken}`);
    const first = new Map<string, number>();
    keys.forEach((key, i) => {
      if (!first.has(key)) first.set(key, i);
    });
    const unique = [...first.values()].map((i) => [items[i]!.lease.id, items[i]!.lease.leaseToken, items[i]!.resultJson]);
    const matched = this.#q['complete-tasks'].all({ items: JSON.stringify(unique), now }) as [string, number][];
    const done = new Set(matched.map(([id, token]) => `${id}\0${token}`));
    const outcomes = keys.map((key, i) => (first.get(key) === i && done.has(key) ? { ok: true as const, finishedAt: now } : lost));
    const ids = items.filter((_, i) => outcomes[i]!.ok).map(({ lease }) => lease.id);
    if (ids.length > 0) this.#appended(this.#q['complete-tasks/events'].run({ ids: JSON.stringify(ids), payload: SUCCEEDED_PAYLOAD, now }).lastInsertRowid);
    return outcomes;
  }

  failTask(lease: LeaseArgs, errorJson: string, retryAt: number | null): Fenced<{ task: Task }> {
    const now = this.#now();
    const row = this.#q['settle-task/find-running'].get(lease) as TaskRow | undefined;
    if (!row) return { ok: false, reason: 'lease-lost' };
    let status: StoredStatus = 'failed';
    // A requested cancel wins over a retry; a requested pause parks the retry until resumed.
    if (row.requested_status === 'cancelled') status = 'cancelled';
    else if (retryAt !== null && row.attempts < row.max_attempts) status = row.requested_status === 'paused' ? 'paused' : 'queued';
    const runAt = status === 'queued' || status === 'paused' ? retryAt : null;
    return { ok: true, task: this.#settle(row, { status, runAt, errorJson, refund: 0, crashed: 0 }, now, JSON.parse(errorJson) as TaskError) };
  }

  releaseTask(lease: LeaseArgs): Fenced<{ task: Task }> {
    const now = this.#now();
    const row = this.#q['settle-task/find-running'].get(lease) as TaskRow | undefined;
    if (!row) return { ok: false, reason: 'lease-lost' };
    const status: StoredStatus = row.requested_status ?? 'queued';
    // Stopping on request or for shutdown is not a failed attempt.
    return { ok: true, task: this.#settle(row, { status, runAt: null, errorJson: null, refund: status === 'cancelled' ? 0 : 1, crashed: 0 }, now) };
  }

  requeueExpired(maxCrashes: number, limit: number): Task[] {
    const now = this.#now();
    const rows = this.#q['requeue-expired'].all({ now, limit }) as TaskRow[];
    return rows.map((row) => {
      const crashes = row.crash_count + 1;
      let status: StoredStatus = 'queued';
      if (row.requested_status === 'cancelled') status = 'cancelled';
      else if (crashes >= maxCrashes) status = 'failed';
      else if (row.requested_status === 'paused') status = 'paused';
      const error: TaskError | undefined =
        status === 'failed'
          ? {
              name: 'TaskCrashedError',
              code: 'TASK_CRASHED',
              message: `The task's lease expired ${crashes} times (its worker crashed, hung or was killed); giving up`,
            }
          : undefined;
      const errorJson = error ? JSON.stringify(error) : null;
      return this.#settle(row, { status, runAt: status === 'queued' ? now : null, errorJson, refund: 0, crashed: 1 }, now, error, 'lease-expired');
    });
  }

  requestStatus(id: string, request: StatusRequest): Task {
    const now = this.#now();
    const row = this.#q['get-task'].get({ id }) as TaskRow | undefined;
    if (!row) throw new TaskStoreError('TASK_NOT_FOUND', id);
    const shown = shownStatus(row, now);
    const invalid = () => new TaskStoreError('INVALID_TRANSITION', id, { status: shown, request });
    const unchanged = () => this.#toTask(row, now);
    const set = (status: StoredStatus, requestedStatus: RequestedStatus | null): Task => {
      const updated = this.#q['request-status'].get({ id, status, requestedStatus, finishedAt: FINISHED.has(status) ? now : null, now }) as TaskRow;
      if (status !== row.status) this.#event(id, 'status', { status, from: shown }, now);
      else this.#event(id, 'requested', { requestedStatus }, now);
      if (status === 'queued' && updated.run_at <= now) this.#available = true;
      return this.#toTask(updated, now);
    };
    switch (request) {
      case 'cancel':
        if (row.status === 'queued' || row.status === 'paused') return set('cancelled', null);
        if (row.status === 'running') return row.requested_status === 'cancelled' ? unchanged() : set('running', 'cancelled');
        throw invalid();
      case 'pause':
        if (row.status === 'queued') return set('paused', null);
        if (row.status === 'paused') return unchanged();
        if (row.status === 'running' && row.requested_status === null) return set('running', 'paused');
        if (row.status === 'running' && row.requested_status === 'paused') return unchanged();
        throw invalid();
      case 'resume':
        if (row.status === 'paused') return set('queued', null);
        if (row.status === 'running' && row.requested_status === 'paused') return set('running', null);
        throw invalid();
    }
  }

  getTask(id: string): Task | undefined {
    const row = this.#q['get-task'].get({ id }) as TaskRow | undefined;
    return row ? this.#toTask(row, this.#now()) : undefined;
  }

  listTasks(args: ListTasksArgs): TaskPage {
    const now = this.#now();
    let stored: string[] | null = null;
    let delayed: number | null = null;
    if (args.statuses) {
      const wanted = new Set(args.statuses);
      stored = [...new Set([...wanted].map((s) => (s === 'delayed' ? 'queued' : s)))];
      // Queued and delayed share a stored status; narrow by run_at when only one of them was asked for.
      if (wanted.has('queued') !== wanted.has('delayed')) delayed = wanted.has('delayed') ? 1 : 0;
    }
    const params = { delayed, now, type: args.type, after: args.afterId, limit: args.limit + 1 };
    const rows = (
      stored?.length === 1
        ? this.#q[args.order === 'asc' ? 'list-tasks/asc-by-status' : 'list-tasks/desc-by-status'].all({ ...params, status: stored[0] })
        : this.#q[args.order === 'asc' ? 'list-tasks/asc' : 'list-tasks/desc'].all({ ...params, statuses: stored && JSON.stringify(stored) })
    ) as TaskRow[];
    const more = rows.length > args.limit;
    const page = more ? rows.slice(0, args.limit) : rows;
    return { tasks: page.map((row) => this.#toTask(row, now)), nextCursor: more ? encodeCursor(page[page.length - 1]!.id) : null };
  }

  eventsSince(after: number, taskId: string | null, limit: number): TaskEvent[] {
    const rows = this.#q['events-since'].all({ after, taskId, limit }) as EventRow[];
    return rows.map((r) => ({ seq: r.seq, taskId: r.task_id, kind: r.kind, payload: JSON.parse(r.payload) as Record<string, unknown>, at: r.at }));
  }

  purgeFinished(options: Required<PurgeFinishedOptions>): PurgeResult {
    const now = this.#now();
    const before = now - options.olderThanMs;
    const byAge = this.#q['purge-finished/by-age'].all({ before, limit: options.limit }) as { id: string }[];
    const left = options.limit - byAge.length;
    const byCount = left > 0 ? (this.#q['purge-finished/by-count'].all({ keep: options.keep, limit: left }) as { id: string }[]) : [];
    const ids = [...byAge, ...byCount].map((r) => r.id);
    let events = 0;
    if (ids.length > 0) events += this.#q['purge-finished/task-events'].run({ ids: JSON.stringify(ids) }).changes;
    events += this.#q['purge-finished/old-events'].run({ before }).changes;
    events += this.#q['purge-finished/excess-events'].run({ maxEvents: options.maxEvents }).changes;
    return { tasks: ids.length, events, more: ids.length >= options.limit };
  }

  lastEventSeq(): number {
    return (this.#q['last-event-seq'].get() as { seq: number }).seq;
  }

  counts(): TaskCount[] {
    return this.#q.counts.all({ now: this.#now() }) as TaskCount[];
  }

  #settle(
    row: TaskRow,
    outcome: { status: StoredStatus; runAt: number | null; errorJson: string | null; refund: 0 | 1; crashed: 0 | 1 },
    now: number,
    error?: TaskError,
    reason?: string,
  ): Task {
    const updated = this.#q['settle-task'].get({
      id: row.id,
      leaseToken: row.lease_token,
      status: outcome.status,
      runAt: outcome.runAt,
      error: outcome.errorJson,
      refund: outcome.refund,
      crashed: outcome.crashed,
      finishedAt: FINISHED.has(outcome.status) ? now : null,
      now,
    }) as TaskRow;
    const payload: Record<string, unknown> = { status: outcome.status, from: 'running' };
    if (reason) payload.reason = reason;
    if (error) payload.error = error;
    this.#event(row.id, 'status', payload, now);
    if (outcome.status === 'queued' && updated.run_at <= now) this.#available = true;
    return this.#toTask(updated, now);
  }

  #event(taskId: string, kind: TaskEventKind, payload: Record<string, unknown>, now: number): void {
    this.#appended(this.#q['append-event'].run({ taskId, kind, payload: JSON.stringify(payload), now }).lastInsertRowid);
  }

  #appended(seq: number | bigint): void {
    this.#lastSeq = Math.max(this.#lastSeq, Number(seq));
  }

  #toTask(row: TaskRow, now: number): Task {
    return {
      id: row.id,
      type: row.type,
      input: JSON.parse(row.input),
      status: shownStatus(row, now),
      priority: row.priority,
      runAt: row.run_at,
      idempotencyKey: row.idempotency_key,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      crashCount: row.crash_count,
      progress: row.progress,
      message: row.message,
      result: row.result === null ? null : JSON.parse(row.result),
      error: row.error === null ? null : (JSON.parse(row.error) as TaskError),
      checkpoint: row.checkpoint === null ? null : JSON.parse(row.checkpoint),
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      updatedAt: row.updated_at,
      leaseOwner: row.lease_owner,
      leaseExpiresAt: row.lease_expires_at,
      leaseToken: row.lease_token,
      requestedStatus: row.requested_status,
    };
  }
}

/** A row of `claim-tasks` as an array, in `CLAIMED_COLUMNS` order. */
type ClaimedRow = [
  id: string,
  type: string,
  input: string,
  priority: number,
  runAt: number,
  idempotencyKey: string | null,
  attempts: number,
  maxAttempts: number,
  crashCount: number,
  progress: number,
  message: string | null,
  result: string | null,
  error: string | null,
  checkpoint: string | null,
  createdAt: number,
  leaseToken: number,
  requestedStatus: RequestedStatus | null,
];

/** Claim order: priority first, then runAt, then id. */
function claimOrder(a: ClaimedRow, b: ClaimedRow): number {
  return b[3] - a[3] || a[4] - b[4] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** The task a claim leased: the columns it read back, and what it just wrote. */
function claimedTask(row: ClaimedRow, owner: string, leaseExpiresAt: number, now: number): Task {
  const [id, type, input, priority, runAt, idempotencyKey, attempts, maxAttempts, crashCount, progress, message, result, error, checkpoint, createdAt, leaseToken, requestedStatus] = row;
  return {
    id,
    type,
    input: JSON.parse(input),
    status: 'running',
    priority,
    runAt,
    idempotencyKey,
    attempts,
    maxAttempts,
    crashCount,
    progress,
    message,
    result: result === null ? null : JSON.parse(result),
    error: error === null ? null : (JSON.parse(error) as TaskError),
    checkpoint: checkpoint === null ? null : JSON.parse(checkpoint),
    createdAt,
    startedAt: now,
    finishedAt: null,
    updatedAt: now,
    leaseOwner: owner,
    leaseExpiresAt,
    leaseToken,
    requestedStatus,
  };
}

function shownStatus(row: Pick<TaskRow, 'status' | 'run_at'>, now: number): TaskStatus {
  return row.status === 'queued' && row.run_at > now ? 'delayed' : row.status;
}
