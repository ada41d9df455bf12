import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from './group-commit.js';
import type { BatchTransaction } from './group-commit.js';

/** An in-memory transactional list: ops push into a staging copy that replaces the committed one on success. */
class MemoryLog implements BatchTransaction {
  committed: number[] = [];
  staging: number[] = [];
  batches: number[][] = [];
  failNextCommit = false;

  runBatch(ops: readonly (() => void)[]): void {
    this.staging = [...this.committed];
    for (const op of ops) {
      const mark = this.staging.length;
      try {
        op();
      } catch {
        this.staging.length = mark;
      }
    }
    if (this.failNextCommit) {
      this.failNextCommit = false;
      throw new Error('disk full');
    }
    this.batches.push(this.staging.slice(this.committed.length));
    this.committed = this.staging;
  }

  write(value: number): number {
    this.staging.push(value);
    return value;
  }
}

describe('GroupCommit', () => {
  it('GroupCommit.submit() runs operations of one turn in one transaction and resolves after it committed', async () => {
    const log = new MemoryLog();
    const commits = new GroupCommit(log);
    const pending = [1, 2, 3].map((v) => commits.submit(() => log.write(v)));
    assert.deepEqual(log.committed, [], 'nothing runs synchronously');
    assert.deepEqual(await Promise.all(pending), [1, 2, 3]);
    assert.deepEqual(log.batches, [[1, 2, 3]]);
    assert.equal(commits.batches, 1);
  });

  it('GroupCommit.submit() splits work into transactions of at most maxBatch, in order', async () => {
    const log = new MemoryLog();
    const commits = new GroupCommit(log, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((v) => commits.submit(() => log.write(v))));
    assert.deepEqual(log.batches, [[1, 2], [3, 4], [5]]);
  });

  it('GroupCommit.submit() with late runs the operation after the others of its batch, each resolving with its own value', async () => {
    const log = new MemoryLog();
    const commits = new GroupCommit(log, { maxBatch: 4 });
    const pending = [1, 2, 3, 4, 5, 6].map((v) => commits.submit(() => log.write(v), { late: v % 3 === 1 }));
    assert.deepEqual(await Promise.all(pending), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(log.batches, [[2, 3, 1, 4], [5, 6]], 'late within its own batch only');
  });

  it('GroupCommit.submit() rejects only the operation that threw', async () => {
    const log = new MemoryLog();
    const commits = new GroupCommit(log);
    const results = await Promise.allSettled([
      commits.submit(() => log.write(1)),
      commits.submit(() => {
        log.write(2);
        throw new RangeError('bad op');
      }),
      commits.submit(() => log.write(3)),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(results[1]?.status === 'rejected' && results[1].reason instanceof RangeError);
    assert.deepEqual(log.committed, [1, 3]);
  });

  it('GroupCommit.submit() rejects every operation of a transaction that failed to commit', async () => {
    const log = new MemoryLog();
    const commits = new GroupCommit(log);
    log.failNextCommit = true;
    const failed = await Promise.allSettled([1, 2].map((v) => commits.submit(() => log.write(v))));
    assert.deepEqual(failed.map((r) => r.status === 'rejected' && (r.reason as Error).message), ['disk full', 'disk full']);
    assert.deepEqual(await commits.submit(() => log.write(3)), 3);
    assert.deepEqual(log.committed, [3]);
  });

  it('GroupCommit afterBatch is told whether each batch committed', async () => {
    const log = new MemoryLog();
    const seen: boolean[] = [];
    const commits = new GroupCommit(log, { afterBatch: (ok) => seen.push(ok) });
    await commits.submit(() => log.write(1));
    log.failNextCommit = true;
    await assert.rejects(commits.submit(() => log.write(2)), /disk full/);
    assert.deepEqual(seen, [true, false]);
  });

  it('GroupCommit.close() commits what is queued, then rejects new operations', async () => {
    const log = new MemoryLog();
    const commits = new GroupCommit(log);
    const queued = commits.submit(() => log.write(7));
    commits.close();
    assert.deepEqual(log.committed, [7]);
    assert.equal(await queued, 7);
    await assert.rejects(commits.submit(() => log.write(8)), /closed/);
  });

  it('new GroupCommit() rejects a maxBatch below 1 with RangeError', () => {
    assert.throws(() => new GroupCommit(new MemoryLog(), { maxBatch: 0 }), /maxBatch/);
  });
});
