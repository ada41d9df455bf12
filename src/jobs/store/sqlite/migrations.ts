// The SQLite task store's schema as numbered, append-only migrations (SQL inline so it ships in dist).

/** One schema step; `version` numbers are consecutive from 1 and recorded in `PRAGMA user_version`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Every migration in order. Never edit a released entry: append a new one.
 *
 * @example
 * for (const m of migrations) console.log(m.version, m.name);
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'init',
    sql: /* sql */ `
      CREATE TABLE tasks (
        id               TEXT PRIMARY KEY,
        type             TEXT NOT NULL,
        input            TEXT NOT NULL,
        -- 'delayed' is not stored: it is 'queued' with run_at in the future.
        status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled')),
        priority         INTEGER NOT NULL DEFAULT 0,
        run_at           INTEGER NOT NULL,
        idempotency_key  TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        max_attempts     INTEGER NOT NULL DEFAULT 1,
        crash_count      INTEGER NOT NULL DEFAULT 0,
        progress         REAL NOT NULL DEFAULT 0,
        message          TEXT,
        result           TEXT,
        error            TEXT,
        checkpoint       TEXT,
        created_at       INTEGER NOT NULL,
        started_at       INTEGER,
        finished_at      INTEGER,
        updated_at       INTEGER NOT NULL,
        lease_owner      TEXT,
        lease_expires_at INTEGER,
        lease_token      INTEGER NOT NULL DEFAULT 0,
        requested_status TEXT CHECK (requested_status IN ('cancelled', 'paused')),
        CHECK ((finished_at IS NOT NULL) = (status IN ('succeeded', 'failed', 'cancelled')))
      );
      -- Idempotency is per type; finished tasks keep their key until retention deletes them.
      CREATE UNIQUE INDEX tasks_idempotency ON tasks (type, idempotency_key) WHERE idempotency_key IS NOT NULL;
      -- claim-tasks walks this in claim order and touches queued rows only.
      CREATE INDEX tasks_claim ON tasks (priority DESC, run_at, id) WHERE status = 'queued';
      -- requeue-expired and per-type limits look at running rows only.
      CREATE INDEX tasks_running ON tasks (lease_expires_at) WHERE status = 'running';
      CREATE INDEX tasks_running_type ON tasks (type) WHERE status = 'running';
      -- purge-finished.
      CREATE INDEX tasks_finished ON tasks (finished_at, id) WHERE finished_at IS NOT NULL;
      -- list-tasks filtered by one status, keyset on id. Type filters scan: retention bounds the table,
      -- and every index costs each write.
      CREATE INDEX tasks_status_id ON tasks (status, id);

      CREATE TABLE task_events (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL,
        kind    TEXT NOT NULL,
        payload TEXT NOT NULL,
        at      INTEGER NOT NULL
      );
      CREATE INDEX task_events_task ON task_events (task_id, seq);
    `,
  },
  {
    version: 2,
    name: 'running-index-covers-type',
    sql: /* sql */ `
      -- Per-type running counts read tasks_running, which now covers type, instead of an index of their
      -- own: one index fewer to change on every claim and every completion.
      DROP INDEX tasks_running_type;
      DROP INDEX tasks_running;
      CREATE INDEX tasks_running ON tasks (lease_expires_at, type) WHERE status = 'running';
    `,
  },
];

/**
 * Brings the database to the latest schema in one write transaction (so two processes opening the same
 * file cannot both migrate). Throws if the file was written by a newer schema than this code knows.
 *
 * @example
 * migrate(new Database('tasks.db')); // returns the schema version, e.g. 1
 */
export function migrate(db: { exec(sql: string): unknown; pragma(sql: string, options: { simple: true }): unknown }): number {
  const latest = migrations.length;
  db.exec('BEGIN IMMEDIATE');
  try {
    const current = Number(db.pragma('user_version', { simple: true }));
    if (current > latest) throw new Error(`The task database has schema version ${current}, newer than this Braid knows (${latest})`);
    for (const migration of migrations.slice(current)) {
      db.exec(migration.sql);
      db.exec(`PRAGMA user_version = ${migration.version}`);
    }
    db.exec('COMMIT');
    return latest;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
