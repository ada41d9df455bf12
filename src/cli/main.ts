#!/usr/bin/env node
// The `braid` command: prints help until the task service gives it verbs.
const HELP = `braid — a concurrency runtime for Node.js

Usage:
  braid help        show this help

The task service (braid serve, add, status, ls, watch, cancel) arrives with the jobs layer.`;

const [command = 'help'] = process.argv.slice(2);
if (command === 'help' || command === '--help' || command === '-h') {
  console.log(HELP);
} else {
  console.error(`braid: unknown command '${command}'\n\n${HELP}`);
  process.exitCode = 2;
}
