import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTask, isTaskDefinition } from './define-task.js';
import { currentJob } from './service/job-context.js';

describe('defineTask', () => {
  it('defineTask() returns the run function, callable directly, with its frozen options as .task', async () => {
    const double = defineTask({ name: 'double', on: 'thread', retries: 2, backoff: { initialMs: 5 }, run: (n: number) => n * 2 });
    assert.equal(await double(21), 42);
    assert.equal(double.name, 'double');
    assert.equal(double.task.name, 'double');
    assert.equal(double.task.on, 'thread');
    assert.equal(Object.isFrozen(double.task), true);
    assert.equal(Object.isFrozen(double.task.backoff), true);
    await assert.rejects(defineTask({ name: 'boom', run: () => { throw new RangeError('no'); } })(null), RangeError);
  });

  it('defineTask() validates every option, naming it', () => {
    const run = () => null;
    assert.throws(() => defineTask(null as never), { name: 'TypeError', message: 'options must be an object' });
    assert.throws(() => defineTask({ name: '', run }), { name: 'TypeError', message: /^name must be/ });
    assert.throws(() => defineTask({ name: '1abc', run }), { name: 'TypeError', message: /^name must be/ });
    assert.throws(() => defineTask({ name: 'ok', run: 'x' as never }), { name: 'TypeError', message: 'run must be a function' });
    assert.throws(() => defineTask({ name: 'ok', run, on: 'gpu' as never }), { name: 'TypeError', message: /^on must be/ });
    assert.throws(() => defineTask({ name: 'ok', run, retries: -1 }), { name: 'RangeError', message: /^retries must be/ });
    assert.throws(() => defineTask({ name: 'ok', run, concurrency: 0 }), { name: 'RangeError', message: /^concurrency must be/ });
    assert.throws(() => defineTask({ name: 'ok', run, timeout: 0 }), { name: 'RangeError', message: /^timeout must be/ });
    assert.throws(() => defineTask({ name: 'ok', run, priority: 0.5 }), { name: 'RangeError', message: /^priority must be/ });
    assert.throws(() => defineTask({ name: 'ok', run, backoff: { factor: 0.5 } }), { name: 'RangeError', message: /^backoff.factor/ });
    assert.throws(() => defineTask({ name: 'ok', run, backoff: { initialMs: -1 } }), { name: 'RangeError', message: /^backoff.initialMs/ });
    assert.throws(() => defineTask({ name: 'ok', run, inputSchema: 'x' as never }), { name: 'TypeError', message: 'inputSchema must be an object' });
  });

  it('isTaskDefinition() recognises definitions by shape only', () => {
    assert.equal(isTaskDefinition(defineTask({ name: 'a', run: () => 1 })), true);
    assert.equal(isTaskDefinition(() => 1), false);
    assert.equal(isTaskDefinition({ task: { name: 'a', run: () => 1 } }), false);
    assert.equal(isTaskDefinition(Object.assign(() => 1, { task: { name: 'a', run: () => 1 } })), true);
  });

  it('currentJob() throws outside a task run by a TaskService', async () => {
    assert.throws(() => currentJob(), /outside a task run by a TaskService/);
    const probe = defineTask({ name: 'probe', run: () => currentJob() });
    await assert.rejects(probe(null), /outside a task run by a TaskService/);
  });
});
