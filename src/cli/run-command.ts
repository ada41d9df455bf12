// Runs one `braid` invocation against a CommandIo: dispatch, help, and the exit code of every kind of failure.
import { add } from './add.js';
import { commandHelp, parseCommand, UsageError, type Command, type CommandIo } from './args.js';
import { ApiError } from './client.js';
import { ls } from './ls.js';
import { serve } from './serve.js';
import { cancel, pause, resume } from './set-status.js';
import { status } from './status.js';
import { types } from './types.js';
import { watch } from './watch.js';

const COMMANDS: readonly Command[] = [serve, add, status, ls, watch, cancel, pause, resume, types];

/** A summary's first clause, for the command list. */
const brief = (summary: string): string => summary.split(/[;:(.]/)[0]!.trim();

const HELP = `braid — durable background tasks on Node.js's event loop, threads and processes

Usage: braid <command> [options]

Commands:
${COMMANDS.map((c) => `  ${`${c.name} ${c.synopsis}`.padEnd(24)}${brief(c.summary)}`).join('\n')}
  help [COMMAND]          show help

The client commands talk to a running \`braid serve\` at --url (default $BRAID_URL or http://127.0.0.1:7700).
Run \`braid <command> --help\` for a command's options.`;

/**
 * Runs one `braid` invocation and resolves to its exit code: 0 success, 1 failure (API errors are
 * printed as `braid: CODE: message`), 2 usage error (printed with the command's help), 130 when
 * interrupted while waiting.
 *
 * @example
 * const code = await runCommand(['ls', '--status', 'running'], { stdout: process.stdout, stderr: process.stderr, env: process.env, signal });
 */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(`${topic ? commandHelp(topic) : HELP}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write('braid 0.1.0\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`braid: unknown command '${name}'\n\n${HELP}\n`);
    return 2;
  }
  try {
    const parsed = parseCommand(command, rest);
    if (parsed.values.help === true) {
      io.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    return await command.run(parsed, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`braid ${command.name}: ${error.message}\n\n${commandHelp(command)}\n`);
      return 2;
    }
    if (io.signal.aborted) return 130;
    if (error instanceof ApiError) {
      io.stderr.write(`braid: ${error.code}: ${error.message}\n`);
      return 1;
    }
    const e = error as { code?: unknown; message?: unknown; stack?: unknown };
    io.stderr.write(`braid: ${typeof e.code === 'string' ? `${e.code}: ` : ''}${String(e.message ?? error)}\n`);
    if (io.env.BRAID_DEBUG) io.stderr.write(`${String(e.stack)}\n`);
    return 1;
  }
}
