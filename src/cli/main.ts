#!/usr/bin/env node
// The `braid` command: serve the task service, and add, inspect, follow, cancel, pause and resume its tasks.
import { runCommand } from './run-command.js';

// The first SIGINT/SIGTERM asks the command to stop gracefully (serve releases its tasks); a second one exits at once.
const controller = new AbortController();
let signals = 0;
const onSignal = (sig: NodeJS.Signals): void => {
  signals++;
  if (signals === 1) controller.abort(new Error(`received ${sig}`));
  else process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
const code = await runCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = code;
// Everything is closed by now; should a stray handle keep the process alive, do not hang the shell.
setTimeout(() => {
  process.stderr.write('braid: exiting with handles still open\n');
  process.exit(code);
}, 3000).unref();
