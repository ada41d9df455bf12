// Runs each examples/executors program as a user would (node --import tsx, importing the built 'braid') and checks what it prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

function runExample(name: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `examples/executors/${name}.ts`],
      { cwd: root, timeout: 30_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && error.code === undefined) return reject(error);
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr, lines: stdout.trimEnd().split('\n') });
      },
    );
  });
}

function assertClean(run: Run): void {
  assert.equal(run.stderr, '', 'the example wrote to stderr');
  assert.equal(run.code, 0);
}

describe('examples/executors', () => {
  before(() => {
    // The examples import 'braid', which resolves to the built package.
    assert.ok(existsSync(new URL('../../dist/index.js', import.meta.url)), 'dist/index.js is missing: run `npm run build` first');
  });

  it('countdown.ts prints the time and speed-up of one thread, two threads and two processes', async () => {
    const run = await runExample('countdown');
    assertClean(run);
    assert.equal(run.lines.length, 4, run.stdout);
    assert.equal(run.lines[0], 'countdown(50,000,000)');
    assert.match(run.lines[1]!, /^1 thread +\d+ ms +speed-up 1\.00×$/);
    assert.match(run.lines[2]!, /^2 threads +\d+ ms +speed-up \d+\.\d\d×$/);
    assert.match(run.lines[3]!, /^2 processes +\d+ ms +speed-up \d+\.\d\d×$/);
  });

  it('bank-balance.ts ends at balance 0 with SharedMutex', async () => {
    const run = await runExample('bank-balance');
    assertClean(run);
    assert.equal(run.lines.length, 2, run.stdout);
    assert.match(run.lines[0]!, /^without a lock: +balance -?\d+ \((updates were lost|lucky this time: the race is still there)\)$/);
    assert.equal(run.lines[1], 'with SharedMutex: balance 0');
  });

  it('crawler.ts crawls every page, fetching several at once per process and parsing on threads', async () => {
    const run = await runExample('crawler');
    assertClean(run);
    assert.equal(run.lines.length, 2, run.stdout);
    assert.match(run.lines[0]!, /^crawled 30 pages \(298 words\) in \d+ ms$/);
    const match = /^fetched on (\d) processes, up to (\d+) at once in one process; parsed on (\d) threads$/.exec(run.lines[1]!);
    assert.ok(match, run.lines[1]);
    assert.equal(match[1], '2');
    assert.ok(Number(match[2]) > 1 && Number(match[2]) <= 8, `at once: ${match[2]}`);
    assert.ok(match[3] === '1' || match[3] === '2', `threads: ${match[3]}`);
  });

  it('sync-bridge.ts gets async settings from sync code and renders a template through callHostSync', async () => {
    const run = await runExample('sync-bridge');
    assertClean(run);
    assert.deepEqual(run.lines, [
      'settings (sync): {"environment":"production","retries":5,"checksum":"c6b59bd4"}',
      'rendered on a thread: Hello, Ada! Welcome to the engine room.',
    ]);
  });
});
