// The example tasks module (examples/tasks/tasks.ts) that `npm start` serves: each task runs to its result through a real service.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TaskService } from '../../src/jobs/service/task-service.js';
import type { TaskView } from '../../src/jobs/service/task-view.js';

const TASKS = new URL('../../examples/tasks/tasks.ts', import.meta.url);
let dir: string;
let service: TaskService;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'braid-examples-'));
  service = await TaskService.open({ tasks: TASKS, db: join(dir, 'braid.db') });
});
after(async () => {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

async function settle(id: string): Promise<{ view: TaskView; progress: number[] }> {
  const progress: number[] = [];
  for await (const event of service.events({ taskId: id, signal: AbortSignal.timeout(20_000) })) {
    if (event.kind === 'progress') progress.push(event.payload.progress as number);
    if (event.kind === 'status' && ['succeeded', 'failed', 'cancelled'].includes(String(event.payload.status))) break;
  }
  return { view: (await service.get(id))!, progress };
}

describe('examples/tasks/tasks.ts', () => {
  it('TaskService.types lists report (loop), countdown (thread) and fanout (loop) with input schemas', () => {
    assert.deepEqual(
      service.types.map((t) => [t.name, t.on, typeof t.inputSchema]), // module namespaces list exports alphabetically
      [
        ['countdown', 'thread', 'object'],
        ['fanout', 'loop', 'object'],
        ['report', 'loop', 'object'],
      ],
    );
  });

  it('report reaches 30, 60 and 100 % and succeeds (fast mode)', async () => {
    const { task } = await service.create('report', { title: 'Q3', fast: true });
    const { view, progress } = await settle(task.id);
    assert.equal(view.status, 'succeeded');
    assert.deepEqual(progress, [30, 60, 100]);
    assert.deepEqual(view.result, { title: 'Q3', pages: 12, resumedFrom: 0 });
    const ms = Date.parse(view.finishedAt!) - Date.parse(view.startedAt!);
    assert.ok(ms >= 1_500 && ms < 5_000, `took ${ms} ms`);
  });

  it('countdown runs on a thread and fanout on the loop, both to their results', async () => {
    const [a, b] = await Promise.all([service.create('countdown', { n: 2e8 }), service.create('fanout', { queries: 12, concurrency: 6, fast: true })]);
    const [countdown, fanout] = await Promise.all([settle(a.task.id), settle(b.task.id)]);
    assert.equal(countdown.view.status, 'succeeded');
    assert.equal((countdown.view.result as { counted: number }).counted, 2e8);
    assert.equal(countdown.progress.at(-1), 100);
    assert.equal(fanout.view.status, 'succeeded');
    assert.equal((fanout.view.result as { queries: number }).queries, 12);
  });
});
