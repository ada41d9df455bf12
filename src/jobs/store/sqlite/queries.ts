// Every SQL statement of the SQLite task store, one per operation and named by its verb (auxiliary steps as `verb/step`).

/**
 * The columns a claim reads back, in this order (the claim statements return rows as arrays): the rest
 * of a claimed task is what the claim just wrote, or null for a task that is running.
 */
export const CLAIMED_COLUMNS = [
  'id', 'type', 'input', 'priority', 'run_at', 'idempotency_key', 'attempts', 'max_attempts', 'crash_count',
  'progress', 'message', 'result', 'error', 'checkpoint', 'created_at', 'lease_token', 'requested_status',
] as const;

const CLAIM_SET = `status = 'running', attempts = attempts + 1, lease_token = lease_token + 1,
      lease_owner = @owner, lease_expires_at = @expiresAt, started_at = @now, updated_at = @now`;

const COMPLETE_SET = `status = 'succeeded', result = @result, progress = 100, finished_at = @now, updated_at = @now,
      lease_owner = NULL, lease_expires_at = NULL, requested_status = NULL`;

/** Statements whose rows come back as arrays (`Statement.raw()`): building wide row objects costs more than the query. */
export const RAW_QUERIES: ReadonlySet<string> = new Set(['claim-tasks', 'claim-tasks/by-ids', 'complete-tasks']);

/**
 * The statements, prepared once per connection. Parameters are named (`@now`); list parameters are
 * JSON arrays read with `json_each` so each statement's text is fixed.
 *
 * @example
 * const getTask = db.prepare(queries['get-task']);
 */
export const queries = {
  'create-task': /* sql */ `
    INSERT INTO tasks (id, type, input, status, priority, run_at, idempotency_key, max_attempts, created_at, updated_at)
    VALUES (@id, @type, @input, 'queued', @priority, @runAt, @idempotencyKey, @maxAttempts, @now, @now)`,
  'create-task/find-idempotent': /* sql */ `
    SELECT * FROM tasks WHERE type = @type AND idempotency_key = @idempotencyKey`,

  // INDEXED BY: without statistics the planner prefers the status index and sorts every queued row.
  'claim-tasks/candidates': /* sql */ `
    SELECT id, type FROM tasks INDEXED BY tasks_claim
    WHERE status = 'queued' AND run_at <= @now
      AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
      AND type NOT IN (SELECT value FROM json_each(@excluded))
    ORDER BY priority DESC, run_at, id
    LIMIT @limit`,
  'claim-tasks/running-by-type': /* sql */ `
    SELECT type, count(*) AS n FROM tasks INDEXED BY tasks_running
    WHERE status = 'running' AND type IN (SELECT value FROM json_each(@types))
    GROUP BY type`,
  /**
   * Chooses and leases up to @limit claimable tasks in one statement (the IN subquery is evaluated once,
   * before any row changes): used when no per-type limit is in play. RETURNING order is unspecified.
   */
  'claim-tasks': /* sql */ `
    UPDATE tasks SET ${CLAIM_SET}
    WHERE id IN (
      SELECT id FROM tasks INDEXED BY tasks_claim
      WHERE status = 'queued' AND run_at <= @now
        AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))
        AND type NOT IN (SELECT value FROM json_each(@excluded))
      ORDER BY priority DESC, run_at, id
      LIMIT @limit)
    RETURNING ${CLAIMED_COLUMNS.join(', ')}`,
  /** Leases the chosen candidates (a JSON array of ids); `+status` keeps the planner on the primary key. */
  'claim-tasks/by-ids': /* sql */ `
    UPDATE tasks SET ${CLAIM_SET}
    WHERE id IN (SELECT value FROM json_each(@ids)) AND +status = 'queued'
    RETURNING ${CLAIMED_COLUMNS.join(', ')}`,
  /** @items is a JSON array of [id, attempt] in claim order: the log gets the events in that order. */
  'claim-tasks/started-events': /* sql */ `
    INSERT INTO task_events (task_id, kind, payload, at)
    SELECT value ->> 0, 'started', json_object('attempt', value ->> 1, 'owner', @owner), @now
    FROM json_each(@items)`,

  'renew-lease': /* sql */ `
    UPDATE tasks SET lease_expires_at = @expiresAt, updated_at = @now
    WHERE id = @id AND lease_token = @leaseToken AND status = 'running'
    RETURNING lease_expires_at, requested_status`,
  'report-progress': /* sql */ `
    UPDATE tasks SET progress = coalesce(@progress, progress), message = coalesce(@message, message), updated_at = @now
    WHERE id = @id AND lease_token = @leaseToken AND status = 'running'
    RETURNING progress, message, requested_status`,
  'save-checkpoint': /* sql */ `
    UPDATE tasks SET checkpoint = @checkpoint, updated_at = @now
    WHERE id = @id AND lease_token = @leaseToken AND status = 'running'
    RETURNING requested_status`,
  'complete-task': /* sql */ `
    UPDATE tasks SET ${COMPLETE_SET}
    WHERE id = @id AND lease_token = @leaseToken AND status = 'running'`,
  /**
   * Completes many runs in one statement: @items is a JSON array of [id, leaseToken, resultJson] with no
   * (id, leaseToken) pair twice. `+status` keeps the planner on the primary key (driven by @items).
   * RETURNING names the leases that matched; the others were lost.
   */
  'complete-tasks': /* sql */ `
    UPDATE tasks SET ${COMPLETE_SET.replace('@result', 'item.value ->> 2')}
    FROM json_each(@items) AS item
    WHERE tasks.id = item.value ->> 0 AND tasks.lease_token = item.value ->> 1 AND +tasks.status = 'running'
    RETURNING tasks.id, tasks.lease_token`,
  /** @ids is a JSON array of the completed task ids, in the order their events are logged. */
  'complete-tasks/events': /* sql */ `
    INSERT INTO task_events (task_id, kind, payload, at)
    SELECT value, 'status', @payload, @now FROM json_each(@ids)`,
  /** Reads the running row a fenced settle (fail, release) decides from; the decision is made in code. */
  'settle-task/find-running': /* sql */ `
    SELECT * FROM tasks WHERE id = @id AND lease_token = @leaseToken AND status = 'running'`,
  /** Ends a run: fail-task, release-task and requeue-expired all write the decided outcome with this. */
  'settle-task': /* sql */ `
    UPDATE tasks SET status = @status, run_at = coalesce(@runAt, run_at), error = coalesce(@error, error),
      attempts = attempts - @refund, crash_count = crash_count + @crashed,
      finished_at = @finishedAt, updated_at = @now,
      lease_owner = NULL, lease_expires_at = NULL, requested_status = NULL
    WHERE id = @id AND lease_token = @leaseToken AND status = 'running'
    RETURNING *`,

  'request-status': /* sql */ `
    UPDATE tasks SET status = @status, requested_status = @requestedStatus, finished_at = @finishedAt, updated_at = @now
    WHERE id = @id
    RETURNING *`,

  'requeue-expired': /* sql */ `
    SELECT * FROM tasks INDEXED BY tasks_running WHERE status = 'running' AND lease_expires_at < @now
    ORDER BY lease_expires_at LIMIT @limit`,

  'get-task': /* sql */ `SELECT * FROM tasks WHERE id = @id`,

  /** @statuses is a JSON array of stored statuses; @delayed 1/0/NULL narrows queued rows by run_at. */
  'list-tasks/desc': listTasks('DESC', false),
  'list-tasks/asc': listTasks('ASC', false),
  /** One stored status: walks the (status, id) index instead of filtering the whole table. */
  'list-tasks/desc-by-status': listTasks('DESC', true),
  'list-tasks/asc-by-status': listTasks('ASC', true),

  'last-event-seq': /* sql */ `SELECT coalesce(max(seq), 0) AS seq FROM task_events`,
  'events-since': /* sql */ `
    SELECT * FROM task_events WHERE seq > @after AND (@taskId IS NULL OR task_id = @taskId)
    ORDER BY seq LIMIT @limit`,
  'append-event': /* sql */ `
    INSERT INTO task_events (task_id, kind, payload, at) VALUES (@taskId, @kind, @payload, @now)`,

  'purge-finished/by-age': /* sql */ `
    DELETE FROM tasks WHERE id IN (
      SELECT id FROM tasks WHERE finished_at IS NOT NULL AND finished_at < @before ORDER BY finished_at, id LIMIT @limit)
    RETURNING id`,
  'purge-finished/by-count': /* sql */ `
    DELETE FROM tasks WHERE id IN (
      SELECT id FROM tasks WHERE finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT @limit OFFSET @keep)
    RETURNING id`,
  'purge-finished/task-events': /* sql */ `
    DELETE FROM task_events WHERE task_id IN (SELECT value FROM json_each(@ids))`,
  /** Events are appended in time order, so the first event at or after the cutoff bounds the old ones. */
  'purge-finished/old-events': /* sql */ `
    DELETE FROM task_events WHERE seq < coalesce(
      (SELECT seq FROM task_events WHERE at >= @before ORDER BY seq LIMIT 1),
      (SELECT coalesce(max(seq), 0) + 1 FROM task_events))`,
  'purge-finished/excess-events': /* sql */ `
    DELETE FROM task_events WHERE seq <= (SELECT coalesce(max(seq), 0) FROM task_events) - @maxEvents`,

  'counts': /* sql */ `
    SELECT type, CASE WHEN status = 'queued' AND run_at > @now THEN 'delayed' ELSE status END AS status, count(*) AS count
    FROM tasks GROUP BY 1, 2 ORDER BY 1, 2`,
} as const;

function listTasks(order: 'ASC' | 'DESC', byStatus: boolean): string {
  return /* sql */ `
    SELECT * FROM tasks
    WHERE ${byStatus ? 'status = @status' : '(@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))'}
      AND (@delayed IS NULL OR status <> 'queued' OR (run_at > @now) = @delayed)
      AND (@type IS NULL OR type = @type)
      AND (@after IS NULL OR id ${order === 'DESC' ? '<' : '>'} @after)
    ORDER BY id ${order} LIMIT @limit`;
}
