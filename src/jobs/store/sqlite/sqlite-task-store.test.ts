import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from './open-database.js';
import { describeTaskStore } from '../task-store.case.js';
import { migrations } from './migrations.js';
import { SqliteTaskStore } from './sqlite-task-store.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let dir: string;
let counter = 0;
const newFile = () => join(dir, `tasks-${++counter}.db`);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-task-store-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeTaskStore('SqliteTaskStore', async ({ now }) => {
  const file = newFile();
  const store = await SqliteTaskStore.open(file, { now });
  return {
    store,
    openAnother: () => SqliteTaskStore.open(file, { now }),
    cleanup: async () => {
      await store.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    },
  };
});

/** Starts a fixture script under tsx and collects its stdout lines. */
function child(name: string, args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture(name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: { count: number; resolve(): void }[] = [];
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters.filter((w) => lines.length >= w.count)) w.resolve();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    lines,
    exited,
    stderr: () => stderr,
    /** Resolves when at least `count` complete lines arrived (or rejects if the child exits first). */
    waitForLines: (count: number) =>
      new Promise<void>((resolve, reject) => {
        if (lines.length >= count) return resolve();
        waiters.push({ count, resolve });
        void exited.then(({ code }) => reject(new Error(`child exited (${String(code)}) after ${lines.length} lines: ${stderr}`)));
      }),
  };
}

describe('SqliteTaskStore', () => {
  it('SqliteTaskStore.createTask() resolutions survive a SIGKILL of the process mid-stream', async () => {
    const file = newFile();
    const writer = child('create-loop.ts', [file]);
    await writer.waitForLines(1000);
    writer.proc.kill('SIGKILL');
    const { signal } = await writer.exited;
    assert.equal(signal, 'SIGKILL');
    const acknowledged = [...writer.lines];
    assert.ok(acknowledged.length >= 1000);
    const store = await SqliteTaskStore.open(file);
    try {
      const missing: string[] = [];
      for (const id of acknowledged) if ((await store.getTask(id)) === undefined) missing.push(id);
      assert.deepEqual(missing, [], 'every acknowledged task is in the reopened file');
    } finally {
      await store.close();
    }
  });

  it('SqliteTaskStore.claimTasks() never hands a task to two processes claiming the same file at once', async () => {
    const file = newFile();
    const store = await SqliteTaskStore.open(file, { synchronous: 'normal', busyTimeoutMs: 10_000 });
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const batch = await Promise.all(Array.from({ length: 100 }, () => store.createTask({ type: 't' })));
        for (const { task } of batch) ids.add(task.id);
      }
      const other = child('claim-loop.ts', [file, 'child']);
      await other.waitForLines(1);
      const mine: string[] = [];
      for (;;) {
        const claimed = await store.claimTasks({ owner: 'parent', limit: 5, leaseMs: 600_000 });
        if (claimed.length === 0) break;
        mine.push(...claimed.map((t) => t.id));
        // Yield a macrotask so the child gets the write lock between our transactions.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const { code } = await other.exited;
      assert.equal(code, 0, other.stderr());
      const theirs = other.lines.slice(1);
      assert.ok(mine.length > 0 && theirs.length > 0, `both claimed (parent ${mine.length}, child ${theirs.length})`);
      const all = [...mine, ...theirs];
      assert.equal(all.length, ids.size, 'no task claimed twice');
      assert.deepEqual(new Set(all), ids);
      const running = (await store.counts()).find((c) => c.status === 'running');
      assert.equal(running?.count, ids.size);
    } finally {
      await store.close();
    }
  });

  it('SqliteTaskStore group commit puts writes from one turn of the event loop in one transaction', async () => {
    const grouped = await SqliteTaskStore.open(newFile());
    const single = await SqliteTaskStore.open(newFile(), { maxBatch: 1 });
    try {
      const before = grouped.transactions;
      await Promise.all(Array.from({ length: 300 }, (_, i) => grouped.createTask({ type: 't', input: i })));
      assert.equal(grouped.transactions - before, 1);
      await Promise.all(Array.from({ length: 30 }, (_, i) => single.createTask({ type: 't', input: i })));
      assert.equal(single.transactions, 30);
      assert.equal((await single.listTasks({ limit: 100 })).tasks.length, 30);
    } finally {
      await grouped.close();
      await single.close();
    }
  });

  it('SqliteTaskStore.claimTasks() runs last in its transaction, so it takes tasks created in the same commit', async () => {
    const store = await SqliteTaskStore.open(newFile());
    try {
      const before = store.transactions;
      const claim = store.claimTasks({ owner: 'w', limit: 10, leaseMs: 1000 });
      const created = await Promise.all([1, 2].map((input) => store.createTask({ type: 't', input })));
      assert.deepEqual((await claim).map((t) => t.id), created.map((c) => c.task.id));
      assert.equal(store.transactions - before, 1);
      const kinds = (await store.eventsSince()).map((e) => e.kind);
      assert.deepEqual(kinds, ['created', 'created', 'started', 'started']);
    } finally {
      await store.close();
    }
  });

  it('SqliteTaskStore group commit rejects only the failing operation of a batch', async () => {
    const store = await SqliteTaskStore.open(newFile());
    try {
      const results = await Promise.allSettled([
        store.createTask({ type: 't', input: 1 }),
        store.requestStatus('01ZZZZZZZZZZZZZZZZZZZZZZZZ', 'cancel'),
        store.createTask({ type: 't', input: 2 }),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.equal(store.transactions, 1);
      assert.deepEqual((await store.listTasks({ order: 'asc' })).tasks.map((t) => t.input), [1, 2]);
    } finally {
      await store.close();
    }
  });

  it('SqliteTaskStore.open() migrates a new file to the latest schema and keeps data when reopened', async () => {
    const file = newFile();
    const first = await SqliteTaskStore.open(file);
    const { task } = await first.createTask({ type: 't', input: 'kept' });
    await first.close();
    const db = openDatabase(file, { timeout: 5_000 });
    assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    const second = await SqliteTaskStore.open(file);
    assert.equal((await second.getTask(task.id))?.input, 'kept');
    await second.close();
  });

  it('SqliteTaskStore.open() refuses a file written by a newer schema', async () => {
    const file = newFile();
    const db = openDatabase(file, { timeout: 5_000 });
    db.pragma('user_version = 99');
    db.close();
    await assert.rejects(SqliteTaskStore.open(file), /schema version 99/);
  });

  it('SqliteTaskStore.open() rejects invalid options', async () => {
    await assert.rejects(SqliteTaskStore.open(''), TypeError);
    await assert.rejects(SqliteTaskStore.open(newFile(), { synchronous: 'off' as never }), TypeError);
    await assert.rejects(SqliteTaskStore.open(newFile(), { maxBatch: 0 }), RangeError);
  });
});
