// Runs each seed example of the foundation as a user would (a child process importing 'braid') and checks what it prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

async function example(name: string): Promise<{ lines: string[]; stderr: string }> {
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], { cwd: root, timeout: 30_000 });
  return { lines: stdout.trim().split('\n'), stderr };
}

describe('foundation examples', () => {
  it('producer-consumer processes every item once and join() sees none unfinished', async () => {
    const { lines, stderr } = await example('producer-consumer');
    const processed = lines.filter((l) => l.includes('processed item')).map((l) => Number(l.split(' ').at(-1)));
    assert.deepEqual([...processed].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(new Set(lines.filter((l) => l.includes('processed')).map((l) => l.split(' ')[1])).size, 3);
    assert.equal(lines.at(-1), 'all 10 items done, 0 unfinished');
    assert.equal(stderr, '');
  });

  it('print-actor prints Got: Hello then Got: World, then stops', async () => {
    const { lines, stderr } = await example('print-actor');
    assert.deepEqual(lines, ['Got: Hello', 'Got: World', 'printer stopped']);
    assert.equal(stderr, '');
  });

  it('pubsub-gateway routes by pattern and broadcasts to the catch-all', async () => {
    const { lines, stderr } = await example('pubsub-gateway');
    assert.deepEqual(lines, [
      'audit got orders.created: #1',
      'audit got orders.paid: #1',
      'audit got users.signup: ada',
      'inventory got orders.created: #1',
      'inventory got orders.paid: #1',
      'shipping got orders.paid: #1',
    ]);
    assert.equal(stderr, '');
  });

  it('fan-out answers 12 sub-queries in about one sub-query time and cancels the other 11 on failure', async () => {
    const { lines, stderr } = await example('fan-out');
    const ok = /answered in (\d+) ms: 12 results/.exec(lines[0] ?? '');
    assert.ok(ok, lines[0]);
    // 12 × 300 ms sequentially would be 3.6 s; concurrently it is ~300 ms (generous bound for a loaded machine).
    assert.ok(Number(ok[1]) < 1500, `took ${ok[1]} ms`);
    const failed = /"sub-query 5 failed" after (\d+) ms, 11 others cancelled/.exec(lines[1] ?? '');
    assert.ok(failed, lines[1]);
    assert.ok(Number(failed[1]) < 300, `failure took ${failed[1]} ms, the others were not cancelled`);
    assert.equal(stderr, '', 'no warnings (e.g. listener leaks) on stderr');
  });
});
