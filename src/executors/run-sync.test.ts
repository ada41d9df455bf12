import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { TimeoutError } from '../core/errors.js';
import { WorkerCrashedError } from './errors.js';
import type * as TaskModule from './fixtures/run-sync-tasks.js';
import { runSync } from './run-sync.js';

const TS = new URL('./fixtures/run-sync-tasks.ts', import.meta.url);
const JS = new URL('./fixtures/run-sync-plain.js', import.meta.url);
const BROKEN = new URL('./fixtures/run-sync-broken.ts', import.meta.url);

type Tasks = typeof TaskModule;

describe('runSync', () => {
  it('runSync() returns the awaited result of a TypeScript export', () => {
    assert.equal(runSync<Tasks['add']>(TS, 'add', 2, 3), 5);
  });

  it('runSync() runs a JavaScript export given the URL as a string', () => {
    assert.equal(runSync(JS.href, 'greet', 'braid'), 'hello braid');
  });

  it('runSync() reuses one helper thread, other than the caller, across calls', () => {
    const first = runSync<Tasks['count']>(TS, 'count');
    const second = runSync<Tasks['count']>(TS, 'count');
    assert.notEqual(first.threadId, threadId);
    assert.equal(second.threadId, first.threadId);
    assert.equal(second.calls, first.calls + 1);
  });

  it('runSync() throws the export’s error with its class, message and own properties', () => {
    assert.throws(() => runSync(TS, 'fail', 'too far'), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, 'too far');
      assert.equal((error as RangeError & { code: string }).code, 'E_FIXTURE');
      return true;
    });
  });

  it('runSync() throws the error of a module that fails while loading instead of waiting for the timeout', () => {
    const started = performance.now();
    assert.throws(() => runSync.withOptions({ timeout: 10_000 })(BROKEN, 'anything'), { message: 'broken at start-up' });
    assert.ok(performance.now() - started < 5_000);
  });

  it('runSync() throws TypeError for an export that is missing or not a function', () => {
    assert.throws(() => runSync(TS, 'nope'), { name: 'TypeError', message: /^exportName must name an exported function/ });
    assert.throws(() => runSync(TS, 'notAFunction'), { name: 'TypeError', message: /^exportName must name an exported function/ });
  });

  it('runSync() throws TimeoutError, and the late reply never answers the next call', () => {
    const quick = runSync.withOptions({ timeout: 100 });
    const before = runSync<Tasks['count']>(TS, 'count');
    assert.throws(() => quick<Tasks['sleep']>(TS, 'sleep', 400), TimeoutError);
    // The next call is answered with its own value, not the abandoned sleep's 400 ...
    assert.equal(runSync<Tasks['sleep']>(TS, 'sleep', 1), 1);
    // ... by a fresh helper: the one running the stuck call was replaced.
    const after = runSync<Tasks['count']>(TS, 'count');
    assert.notEqual(after.threadId, before.threadId);
    assert.equal(after.calls, 1);
  });

  it('runSync() throws WorkerCrashedError when the export ends the helper thread, and recovers', () => {
    assert.throws(() => runSync(TS, 'exit', 7), (error: unknown) => {
      assert.ok(error instanceof WorkerCrashedError);
      assert.equal(error.exitCode, 7);
      assert.deepEqual(error.task, { module: TS.href, exportName: 'exit' });
      return true;
    });
    assert.equal(runSync<Tasks['add']>(TS, 'add', 1, 1), 2);
  });

  it('runSync() throws WorkerCrashedError caused by an uncaught error that ends the helper mid-call', () => {
    assert.throws(() => runSync(TS, 'throwStray'), (error: unknown) => {
      assert.ok(error instanceof WorkerCrashedError);
      assert.equal(error.exitCode, 1);
      assert.equal((error.cause as Error).message, 'stray throw');
      return true;
    });
  });

  it('runSync() sends a call again to a fresh helper when the last one died between calls, with a warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      assert.equal(runSync(TS, 'throwLater'), 'replied');
      // Block (not sleep) so the helper dies while this thread cannot yet see its 'exit' event.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      assert.equal(runSync<Tasks['add']>(TS, 'add', 2, 2), 4);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, ["runSync's helper thread crashed between calls: Error: thrown after the reply"]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('runSync() throws TypeError when an argument or the result cannot be cloned', () => {
    assert.throws(() => runSync(TS, 'add', () => 1, 2), { name: 'TypeError', message: /^args\[0\] is a function/ });
    assert.throws(() => runSync(TS, 'unclonable'), { name: 'TypeError', message: /^result is a function/ });
  });

  it('runSync() validates its url, exportName and options', () => {
    assert.throws(() => runSync('./fixtures/run-sync-tasks.ts', 'add'), { name: 'TypeError', message: /^url must be an absolute URL/ });
    assert.throws(() => runSync(42 as unknown as string, 'add'), { name: 'TypeError', message: /^url must be a URL or a string/ });
    assert.throws(() => runSync(TS, ''), { name: 'TypeError', message: /^exportName must be a non-empty string/ });
    assert.throws(() => runSync.withOptions({ timeout: 0 }), { name: 'RangeError', message: /^timeout must be/ });
    assert.throws(() => runSync.withOptions(null as unknown as object), { name: 'TypeError', message: /^options must be an object/ });
  });

  it('runSync.module() calls exports through a typed proxy', () => {
    const tasks = runSync.module<Tasks>(TS);
    assert.equal(tasks.add(40, 2), 42);
    assert.equal(runSync.module<{ greet(name: string): Promise<string> }>(JS).greet('you'), 'hello you');
    // Not a thenable, so `await`ing or returning the proxy from an async function is safe.
    assert.equal((tasks as unknown as { then?: unknown }).then, undefined);
    assert.equal(runSync.withOptions({ timeout: Infinity }).module<Tasks>(TS).add(1, 2), 3);
  });

  it('runSync() lets a program end without waiting for its helper thread', () => {
    const main = fileURLToPath(new URL('./fixtures/run-sync-main.ts', import.meta.url));
    const started = performance.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', main], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(child.stderr, '');
    assert.equal(child.stdout, 'result 42\n');
    assert.equal(child.status, 0);
    assert.ok(performance.now() - started < 20_000);
  });
});
