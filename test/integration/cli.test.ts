// Runs the `braid` command as users do: `braid serve` as a child process, the client commands against it.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../../src/cli/run-command.js';
import { SqliteTaskStore } from '../../src/jobs/store/sqlite/sqlite-task-store.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = 'src/cli/main.ts';
const TASKS = 'test/integration/fixtures/ui-tasks.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `braid` in this process (fast): the same runCommand() the binary runs, real HTTP to the real server. */
async function braid(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCommand(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { BRAID_URL: '', BRAID_TOKEN: '', ...env },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/** Runs the `braid` binary as a child process, for what only a process shows: exit codes, \r output. */
function braidProcess(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: root, timeout: 60_000, env: { ...process.env, BRAID_URL: '', BRAID_TOKEN: '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** Starts `braid serve` and resolves with its URL once it prints "listening on". */
function startServer(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`braid serve did not start:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (\S+)[\s\S]*Ctrl-C to stop/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`braid serve exited with ${code}:\n${out}`));
    });
  });
}

async function waitForStatus(url: string, id: string, status: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${url}tasks/${id}`);
    if (((await res.json()) as { status: string }).status === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`task ${id} never became ${status}`);
}

describe('braid command', { timeout: 180_000 }, () => {
  let dir: string;
  let db: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'braid-cli-'));
    db = join(dir, 'tasks.db');
    server = await startServer(['--tasks', TASKS, '--db', db, '--port', '0']);
    url = server.url;
  });

  after(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited.catch(() => undefined);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('braid serve prints the loopback URL, the task types and the database', () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(server.output(), /tasks count \(loop\), crunch \(thread\), sleepy \(loop\) from test\/integration\/fixtures\/ui-tasks\.ts/);
  });

  it('braid add prints the id; braid watch follows it to 100% and exits 0; braid status and ls show it', async () => {
    const added = await braid(['add', 'count', '--input', '{"steps":20,"stepMs":150,"label":"cli"}', '--url', url]);
    assert.equal(added.code, 0, added.stderr);
    const id = added.stdout.trim();
    assert.match(id, /^[0-9A-Z]{26}$/);

    const watched = await braid(['watch', id], { BRAID_URL: url });
    assert.equal(watched.code, 0, watched.stderr);
    const frames = watched.stdout.split('\r').filter(Boolean);
    assert.ok(frames.length >= 3, `the bar was redrawn as the task progressed (${JSON.stringify(watched.stdout)})`);
    const percents = frames.map((f) => Number(/\] +(\d+)%/.exec(f)?.[1]));
    assert.deepEqual([...percents].sort((a, b) => a - b), percents, 'progress only moves forward');
    const [bar, summary] = frames.at(-1)!.split('\n');
    assert.match(bar!, /^\[█{30}\] 100% {2}succeeded {2}cli 20\/20 *$/);
    assert.match(summary!, /^succeeded in \d/);
    assert.match(summary!, /: \{"counted":20\}$/);
    // The binary: same output, exit code 0.
    const again = await braidProcess(['watch', id], { BRAID_URL: url });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, '', 'nothing kept the process alive after the answer');
    assert.match(again.stdout, /^\r\[█{30}\] 100% {2}succeeded {2}cli 20\/20\nsucceeded in /);

    const status = await braid(['status', id, '--url', url]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^count ${id}\\n  status    succeeded — cli 20/20\\n`));
    assert.match(status.stdout, /result {4}\{\n {14}"counted": 20\n {12}\}/);
    const json = await braid(['status', id, '--json', '--url', url]);
    assert.deepEqual(JSON.parse(json.stdout).result, { counted: 20 });

    const listed = await braid(['ls', '--status', 'succeeded', '--type', 'count', '--url', url]);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID +TYPE +STATUS +PROGRESS +CREATED +DURATION +MESSAGE$/);
    assert.ok(lines.some((l) => l.startsWith(id) && /count +succeeded +100%/.test(l)), listed.stdout);
  });

  it('braid watch follows a task on a worker thread', async () => {
    const added = await braid(['add', 'crunch', '--input', '{"steps":3,"stepMs":20}', '--url', url]);
    const watched = await braid(['watch', added.stdout.trim(), '--url', url]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /100% {2}succeeded/);
  });

  it('braid cancel stops a running task, and braid watch of it exits 1', async () => {
    const added = await braid(['add', 'sleepy', '--url', url]);
    const id = added.stdout.trim();
    await waitForStatus(url, id, 'running');
    const cancelled = await braidProcess(['cancel', id, '--url', url]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(cancelled.stderr, '', 'the wait for the task to stop left no connection open');
    assert.equal(cancelled.stdout, `${id} cancelled\n`);
    const watched = await braid(['watch', id, '--url', url]);
    assert.equal(watched.code, 1);
    assert.match(watched.stdout, /cancelled\n$/);
  });

  it('braid pause and resume hold and release a delayed task', async () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    const id = (await braid(['add', 'count', '--input', '{}', '--run-at', later, '--url', url])).stdout.trim();
    assert.equal((await braid(['pause', id, '--url', url])).stdout, `${id} paused\n`);
    assert.equal((await braid(['resume', id, '--url', url])).stdout, `${id} delayed\n`);
    assert.equal((await braid(['cancel', id, '--url', url])).stdout, `${id} cancelled\n`);
  });

  it('braid pause waits for a running task to stop, and braid resume runs it again to the end', async () => {
    const id = (await braid(['add', 'count', '--input', '{"steps":40,"stepMs":100}', '--url', url])).stdout.trim();
    await waitForStatus(url, id, 'running');
    const paused = await braid(['pause', id, '--url', url]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal(paused.stdout, `${id} paused\n`);
    assert.equal((await braid(['resume', id, '--url', url])).code, 0);
    const watched = await braid(['watch', id, '--url', url]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /\] 100% {2}succeeded/);
    assert.equal((JSON.parse((await braid(['status', id, '--json', '--url', url])).stdout) as { status: string }).status, 'succeeded');
  });

  it('braid types lists the types with their placement and an example input', async () => {
    const run = await braid(['types', '--url', url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      ['TYPE    ON      EXAMPLE INPUT', 'count   loop    {"steps":10,"stepMs":50,"label":"step"}', 'crunch  thread  (any JSON)', 'sleepy  loop    (any JSON)', ''].join('\n'),
    );
  });

  it('an unknown id exits 1 with the API error code', async () => {
    const run = await braidProcess(['status', '01ZZZZZZZZZZZZZZZZZZZZZZZZ', '--url', url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^braid: TASK_NOT_FOUND: /);
    const watched = await braid(['watch', '01ZZZZZZZZZZZZZZZZZZZZZZZZ', '--url', url]);
    assert.equal(watched.code, 1);
    assert.match(watched.stderr, /^braid: TASK_NOT_FOUND: /);
  });

  it('an unknown type exits 1 with UNKNOWN_TASK_TYPE; no server exits 1 with UNREACHABLE', async () => {
    const noInput = await braid(['add', 'count', '--url', url]);
    assert.equal(noInput.code, 1);
    assert.match(noInput.stderr, /^braid: VALIDATION_FAILED: .*\(no --input was given: `braid types` shows an example input for each type\)\n$/);
    const unknown = await braid(['add', 'nope', '--url', url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^braid: UNKNOWN_TASK_TYPE: /);
    // A port that was free a moment ago: nothing listens there.
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const unreachable = await braid(['ls', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(unreachable.code, 1);
    assert.equal(unreachable.stderr, `braid: UNREACHABLE: cannot reach http://127.0.0.1:${port} (connection refused); is \`braid serve\` running?\n`);
  });

  it('usage errors exit 2 with the command help', async () => {
    for (const args of [['add'], ['add', 'count', '--input', '{oops'], ['ls', '--limit', '0'], ['ls', '--status', 'done'], ['status', 'a', 'b'], ['frobnicate']]) {
      const run = await braid(args);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /^braid/);
      assert.match(run.stderr, /Usage: braid/);
    }
    const fromProcess = await braidProcess(['ls', '--limit', 'x']);
    assert.equal(fromProcess.code, 2);
    assert.match(fromProcess.stderr, /^braid ls: --limit must be an integer from 1 to 1000, got 'x'\n\nUsage: braid ls/);
    const help = await braid(['--help']);
    assert.equal(help.code, 0);
    for (const command of ['serve', 'add', 'status', 'ls', 'watch', 'cancel', 'pause', 'resume', 'types']) assert.match(help.stdout, new RegExp(`\\n  ${command} `));
  });

  it('the built binary dist/cli/main.js runs (after npm run build)', { skip: existsSync(join(root, 'dist/cli/run-command.js')) ? false : 'not built: run npm run build' }, async () => {
    const run = await new Promise<Run>((resolve) => {
      execFile(process.execPath, ['dist/cli/main.js', 'status', '01ZZZZZZZZZZZZZZZZZZZZZZZZ', '--url', url], { cwd: root, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
      );
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^braid: TASK_NOT_FOUND: /);
  });

  it('braid serve refuses a non-loopback host without a token', async () => {
    const run = await braid(['serve', '--tasks', TASKS, '--db', join(dir, 'other.db'), '--host', '0.0.0.0', '--port', '0']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /refusing to serve on 0\.0\.0\.0 without --token/);
  });

  it('braid serve with --token requires it from clients', async () => {
    const secured = await startServer(['--tasks', TASKS, '--db', join(dir, 'secured.db'), '--port', '0', '--token', 'cli-token']);
    try {
      const denied = await braid(['ls', '--url', secured.url]);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /^braid: UNAUTHORIZED: /);
      const allowed = await braid(['ls', '--url', secured.url], { BRAID_TOKEN: 'cli-token' });
      assert.equal(allowed.code, 0, allowed.stderr);
    } finally {
      secured.child.kill('SIGTERM');
      assert.equal(await secured.exited, 0);
    }
  });

  it('SIGTERM stops braid serve with exit 0 and leaves no task running in the database', async () => {
    const id = (await braid(['add', 'sleepy', '--url', url])).stdout.trim();
    await waitForStatus(url, id, 'running');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.match(server.output(), /shutting down[\s\S]*stopped\n$/);
    const store = await SqliteTaskStore.open(db);
    try {
      assert.deepEqual((await store.listTasks({ status: 'running' })).tasks, []);
      // Released, not lost: it runs again on the next start.
      assert.equal((await store.getTask(id))?.status, 'queued');
    } finally {
      await store.close();
    }
  });
});
