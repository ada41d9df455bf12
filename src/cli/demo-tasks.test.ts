import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TaskService } from '../jobs/service/task-service.js';
import { sampleInput, seedDemoTasks } from './demo-tasks.js';

describe('demo tasks', () => {
  it('sampleInput() prefers examples, then default, const and enum, and builds objects from properties', () => {
    assert.deepEqual(sampleInput({ examples: [{ a: 1 }], default: { a: 2 } }), { a: 1 });
    assert.equal(sampleInput({ type: 'string', default: 'x' }), 'x');
    assert.equal(sampleInput({ const: 7 }), 7);
    assert.equal(sampleInput({ enum: ['small', 'large'] }), 'small');
    assert.deepEqual(
      sampleInput({ type: 'object', properties: { w: { type: 'integer' }, tags: { type: 'array' }, on: { type: 'boolean' }, name: { type: 'string' }, any: {} } }),
      { w: 0, tags: [], on: false, name: '', any: null },
    );
    assert.equal(sampleInput(undefined), null);
  });

  it('seedDemoTasks() creates one task per type on an empty database and none on a used one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'braid-demo-'));
    const service = await TaskService.open({ tasks: new URL('../../test/integration/fixtures/ui-tasks.ts', import.meta.url), db: join(dir, 'demo.db') });
    try {
      const ids = await seedDemoTasks(service);
      assert.equal(ids.length, 3);
      const tasks = await Promise.all(ids.map((id) => service.get(id)));
      assert.deepEqual(tasks.map((t) => t?.type).sort(), ['count', 'crunch', 'sleepy']);
      assert.deepEqual(tasks.find((t) => t?.type === 'count')?.input, { steps: 10, stepMs: 50, label: 'step' });
      assert.deepEqual(await seedDemoTasks(service), []);
      for (const id of ids) await service.setStatus(id, 'cancelled').catch(() => undefined);
    } finally {
      await service.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
