// A user's plain-JavaScript process (no tsx loader) runs TypeScript task modules on threads and processes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/run-typed-task.mjs', import.meta.url));

describe('TypeScript task modules without a loader in the host', () => {
  it(`runtime.run() loads a .ts module on a thread and in a process on Node ${process.version}`, async () => {
    // No --import tsx: the host is plain node running dist, as in a user's compiled app.
    const { stdout } = await run(process.execPath, [script], { timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { on: string; result: { total: number; placement: string }; progress: number[] });
    assert.deepEqual(
      lines.map((l) => [l.on, l.result.total, l.result.placement]),
      [
        ['thread', 10, 'thread'],
        ['process', 10, 'process'],
      ],
    );
    for (const l of lines) assert.deepEqual(l.progress, [25, 50, 75, 100]);
  });
});
