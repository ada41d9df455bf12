// Runs each examples/placements program as a user would (node --import tsx, importing the built 'braid') and checks what it prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runExample(name: string): Promise<{ code: number | null; stderr: string; lines: string[]; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', `examples/placements/${name}.ts`], { cwd: root, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && error.code === undefined) return reject(error);
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr, stdout, lines: stdout.trimEnd().split('\n') });
    });
  });
}

describe('examples/placements', () => {
  before(() => {
    assert.ok(existsSync(new URL('../../dist/index.js', import.meta.url)), 'dist/index.js is missing: run `npm run build` first');
  });

  it('three-modes.ts: the PrintActor prints in a process, and a thread gateway routes to loop, thread and process actors', async () => {
    const run = await runExample('three-modes');
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.deepEqual(run.lines.slice(0, 6), [
      'Got: Hello',
      'Got: World',
      'printer stopped',
      'orders #1 paid -> 2 actors',
      'products lamp added -> 2 actors',
      'orders #2 paid -> 2 actors',
    ]);
    assert.match(run.lines[6]!, new RegExp(`^billing \\(pid ${'\\d+'}\\) got orders: #1 paid, orders: #2 paid$`));
    assert.match(run.lines[7]!, /^search \(thread \d+\) got products: lamp added$/);
    assert.match(run.lines[8]!, /^audit \(pid \d+\) got orders: #1 paid, products: lamp added, orders: #2 paid$/);
    const billingPid = /pid (\d+)/.exec(run.lines[6]!)![1];
    const auditPid = /pid (\d+)/.exec(run.lines[8]!)![1];
    assert.notEqual(billingPid, auditPid, 'the audit service ran in another process than the loop');
    assert.equal(run.lines.length, 9, run.stdout);
  });

  it('producer-consumer.ts: a producer thread and two consumer threads share a bounded host channel; every job is done once', async () => {
    const run = await runExample('producer-consumer');
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.equal(run.lines.length, 13, run.stdout);
    for (let n = 1; n <= 12; n++) assert.match(run.lines[n - 1]!, new RegExp(`^consumer [AB] resized #${n} to ${100 + n * 10}px$`));
    const last = /^produced 12, consumed 12 \(A (\d+), B (\d+)\) through a queue of 4$/.exec(run.lines[12]!);
    assert.ok(last, run.lines[12]);
    assert.equal(Number(last[1]) + Number(last[2]), 12);
  });

  it('model-server.ts: a thread model serves a loop front end, and a killed process actor comes back with no ask hanging', async () => {
    const run = await runExample('model-server');
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.match(run.lines[0]!, /^200 hello: \d\.\d{3} \(request 1\)$/);
    assert.match(run.lines[1]!, /^200 braid: \d\.\d{3} \(request 2\)$/);
    assert.equal(run.lines[2], '404 for an unknown path');
    assert.match(run.lines[3]!, /^the loop stayed responsive: longest pause /);
    assert.equal(run.lines[4], 'the ask in flight when the process was killed: rejected with WorkerCrashedError (SIGKILL)');
    assert.equal(run.lines[5], 'restarted in a new process: yes');
    assert.equal(run.lines.length, 6, run.stdout);
  });
});
