// The package's `exports` map: the public entry points resolve (from dist), internals do not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('package exports', () => {
  it("'braid' exposes the primitives, the placements and the light task-definition API", async () => {
    const braid = (await import('braid')) as Record<string, unknown>;
    for (const name of ['scope', 'sleep', 'map', 'Semaphore', 'Mutex', 'Channel', 'select', 'WorkQueue', 'Bus', 'actor', 'supervisor', 'runtime', 'currentTask', 'runSync', 'SharedMutex', 'defineTask', 'currentJob']) {
      assert.equal(typeof braid[name], 'function', `braid.${name}`);
    }
    assert.equal(braid.TaskService, undefined, 'the task service lives in braid/jobs');
  });

  it("'braid/jobs' exposes the task service, the SQLite store and the HTTP server", async () => {
    const jobs = (await import('braid/jobs')) as Record<string, unknown>;
    for (const name of ['TaskService', 'SqliteTaskStore', 'serve', 'createServer', 'defineTask']) assert.equal(typeof jobs[name], 'function', `jobs.${name}`);
  });

  it('a deep import of an internal module is refused by the exports map', async () => {
    const internal = 'braid/dist/core/clock.js';
    await assert.rejects(import(internal), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  });
});
