// Crash recovery of the task service: a server process SIGKILLed mid-task loses nothing; its tasks run again after their lease.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SqliteTaskStore } from '../../src/jobs/store/sqlite/sqlite-task-store.js';
import type { Task, TaskStore } from '../../src/jobs/store/task-store.js';
import { TaskService } from '../../src/jobs/service/task-service.js';

const SERVER = fileURLToPath(new URL('../../src/jobs/service/fixtures/service-process.ts', import.meta.url));
const TASKS = new URL('../../src/jobs/service/fixtures/tasks.ts', import.meta.url);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'braid-crash-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a service process and resolves once it serves. */
async function startServer(db: string, leaseMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, db, String(leaseMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`service process exited with ${code} before it was ready`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Polls the store (another process owns the work) until `done(task)`; rejects after `ms`. */
async function waitTask(store: TaskStore, id: string, done: (task: Task) => boolean, ms: number): Promise<Task> {
  const end = Date.now() + ms;
  for (;;) {
    const task = await store.getTask(id);
    if (task !== undefined && done(task)) return task;
    if (Date.now() > end) throw new Error(`task ${id} not in the expected state after ${ms} ms: ${JSON.stringify(task)}`);
    await delay(20);
  }
}

describe('TaskService crash recovery', () => {
  it('TaskService runs a task again within its lease time after the process running it was SIGKILLed', async () => {
    const db = join(dir, 'lease.db');
    const leaseMs = 5_000;
    const server = await startServer(db, leaseMs);
    const store = await SqliteTaskStore.open(db);
    try {
      const { task } = await store.createTask({ type: 'counter', input: { to: 20, stepMs: 100 } });
      await waitTask(store, task.id, (t) => t.progress >= 10, 10_000);
      await kill(server);
      const killedAt = Date.now();
      const service = await TaskService.open({ tasks: TASKS, db, leaseMs, pollMs: 100 });
      try {
        const again = await waitTask(store, task.id, (t) => t.attempts === 2 && t.status === 'running', leaseMs + 5_000);
        const recoveryMs = (again.startedAt ?? 0) - killedAt;
        console.log(`# SIGKILL → running again: ${recoveryMs} ms (leaseMs ${leaseMs})`);
        assert.ok(recoveryMs <= leaseMs + 1_000, `recovered in ${recoveryMs} ms`);
        const done = await waitTask(store, task.id, (t) => t.status === 'succeeded', 10_000);
        assert.ok((done.result as { from: number }).from >= 2, 'resumed from the checkpoint the killed run saved');
        assert.equal(done.crashCount, 1);
      } finally {
        await service.close();
      }
    } finally {
      await store.close();
    }
  });

  it('TaskService loses no accepted task when its server is SIGKILLed repeatedly mid-work', async () => {
    const db = join(dir, 'reliability.db');
    const store = await SqliteTaskStore.open(db);
    const ids: string[] = [];
    try {
      for (let round = 0; round < 4; round++) {
        const server = await startServer(db, 1_000);
        for (let i = 0; i < 75; i++) ids.push((await store.createTask({ type: 'tally', input: { ms: 400 }, maxAttempts: 3 })).task.id);
        await delay(200 + round * 100);
        await kill(server);
      }
      const last = await startServer(db, 1_000);
      try {
        const end = Date.now() + 20_000;
        for (;;) {
          const open = (await store.counts()).filter((c) => !['succeeded', 'failed', 'cancelled'].includes(c.status));
          if (open.length === 0) break;
          if (Date.now() > end) throw new Error(`tasks still open: ${JSON.stringify(open)}`);
          await delay(100);
        }
      } finally {
        await kill(last);
      }
      const counts = await store.counts();
      const total = counts.reduce((sum, c) => sum + c.count, 0);
      assert.equal(total, ids.length, 'every accepted task is still there');
      const byStatus = Object.fromEntries(counts.map((c) => [c.status, c.count]));
      console.log(`# ${ids.length} tasks, 4 SIGKILLs: ${JSON.stringify(byStatus)}`);
      // A task can only fail here by being cut short by maxCrashes (3) kills: the poison-task bound.
      let crashes = 0;
      for (const id of ids) {
        const task = (await store.getTask(id))!;
        crashes += task.crashCount;
        assert.ok(task.status === 'succeeded' || (task.status === 'failed' && task.error?.name === 'TaskCrashedError' && task.crashCount >= 3), `${id} ${task.status}`);
        assert.equal(task.leaseOwner, null);
      }
      console.log(`# runs cut by a SIGKILL and run again: ${crashes}`);
      assert.ok(crashes >= 4, 'the kills hit running tasks');
      assert.ok((byStatus.succeeded ?? 0) > ids.length / 2);
    } finally {
      await store.close();
    }
  });
});
