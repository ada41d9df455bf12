import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskView } from '../jobs/service/task-view.js';
import { formatDuration, formatTable, formatTask, isFinished, printable, progressBar, runDuration } from './task-format.js';

const base: TaskView = {
  id: '01JDTASK0000000000000000AB',
  type: 'resize',
  status: 'running',
  progress: 40,
  message: 'step 4',
  input: { width: 800 },
  result: null,
  error: null,
  attempts: 1,
  priority: 0,
  runAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:01.000Z',
  finishedAt: null,
};

describe('task-format', () => {
  it('formatDuration() picks a unit that stays readable', () => {
    assert.deepEqual(
      [null, -1, 0, 850, 4_210, 12_400, 184_000, 7_500_000].map(formatDuration),
      ['—', '—', '0 ms', '850 ms', '4.2 s', '12 s', '3 min 4 s', '2 h 5 min'],
    );
  });

  it('runDuration() counts a running task up to now and a finished one to its end', () => {
    const now = Date.parse('2026-01-01T00:00:03.500Z');
    assert.equal(runDuration(base, now), 2_500);
    assert.equal(runDuration({ ...base, status: 'succeeded', finishedAt: '2026-01-01T00:00:02.000Z' }, now), 1_000);
    assert.equal(runDuration({ ...base, status: 'queued', startedAt: null }, now), null);
    assert.equal(runDuration({ ...base, status: 'paused' }, now), null);
  });

  it('progressBar() fills in proportion and clamps out-of-range values', () => {
    assert.equal(progressBar(50, 10), '[█████░░░░░]  50%');
    assert.equal(progressBar(100, 4), '[████] 100%');
    assert.equal(progressBar(-5, 4), '[░░░░]   0%');
    assert.equal(progressBar(250, 4), '[████] 100%');
    assert.equal(progressBar(Number.NaN, 4), '[░░░░]   0%');
  });

  it('printable() neutralises terminal escape sequences from server text', () => {
    assert.equal(printable('ok\u001b[2J\u0007 done\n'), 'ok?[2J? done\n');
  });

  it('isFinished() is true exactly for succeeded, failed and cancelled', () => {
    const finished = (['queued', 'delayed', 'running', 'paused', 'succeeded', 'failed', 'cancelled'] as const).filter((status) => isFinished({ status }));
    assert.deepEqual(finished, ['succeeded', 'failed', 'cancelled']);
  });

  it('formatTask() shows status, progress, timings, input and the error with its stack', () => {
    const text = formatTask(
      {
        ...base,
        status: 'failed',
        finishedAt: '2026-01-01T00:00:02.000Z',
        error: { name: 'Error', message: 'disk full', code: 'ENOSPC', stack: 'Error: disk full\n    at write (tasks.ts:3:9)' },
      },
      Date.now(),
    );
    assert.match(text, /^resize 01JDTASK0000000000000000AB\n/);
    assert.match(text, /status {4}failed — step 4/);
    assert.match(text, /duration {2}1\.0 s/);
    assert.match(text, /input {5}\{\n {14}"width": 800\n {12}\}/);
    assert.match(text, /error {5}\[ENOSPC\] Error: disk full\n {14}at write \(tasks\.ts:3:9\)/);
    assert.doesNotMatch(text, /result/);
  });

  it('formatTask() shows the result of a succeeded task', () => {
    const text = formatTask({ ...base, status: 'succeeded', progress: 100, result: { ok: true }, finishedAt: '2026-01-01T00:00:02.000Z' }, Date.now());
    assert.match(text, /result {4}\{\n {14}"ok": true\n {12}\}/);
  });

  it('formatTable() aligns columns and does not pad the last one', () => {
    assert.equal(formatTable([['ID', 'STATUS', 'MESSAGE'], ['a', 'running', 'x'], ['bbbb', 'ok', '']]), 'ID    STATUS   MESSAGE\na     running  x\nbbbb  ok');
  });
});
