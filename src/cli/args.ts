// Command-line parsing for `braid`: each command declares its options; parsing errors become UsageError (exit 2).
import { parseArgs } from 'node:util';
import { BraidClient } from './client.js';

/** A mistake in how the command was called: printed with the command's help, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in help, e.g. `'N'` for `--limit N`. */
  arg?: string;
  description: string;
}

/** Where a command writes and what it reads: the process's streams in `main`, fakes in tests. */
export interface CommandIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Aborts on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** A `braid` subcommand: its help and what it does; `run` resolves to the exit code. */
export interface Command {
  name: string;
  /** e.g. `'ID'` or `'TYPE --input JSON'`. */
  synopsis: string;
  summary: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number; names: string };
  /** Whether it talks to a running server (adds `--url` and `--token`). */
  client: boolean;
  run(parsed: ParsedCommand, io: CommandIo): Promise<number>;
}

/** The parsed options (strings and booleans by long name) and positional arguments. */
export interface ParsedCommand {
  values: Readonly<Record<string, string | boolean | undefined>>;
  positionals: readonly string[];
}

const CLIENT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: 'string', arg: 'URL', description: 'API base URL (default $BRAID_URL or http://127.0.0.1:7700)' },
  token: { type: 'string', arg: 'TOKEN', description: 'bearer token (default $BRAID_TOKEN)' },
};
const HELP_OPTION: Readonly<Record<string, OptionSpec>> = { help: { type: 'boolean', short: 'h', description: 'show this help' } };

/** Every option a command accepts, including the shared ones. */
export function allOptions(command: Command): Record<string, OptionSpec> {
  return { ...command.options, ...(command.client ? CLIENT_OPTIONS : {}), ...HELP_OPTION };
}

/**
 * Parses `argv` (the arguments after the command name) strictly for `command`.
 *
 * @throws UsageError for an unknown option, a missing option value or the wrong number of positionals.
 * @example
 * const parsed = parseCommand(ls, ['--status', 'running']);
 */
export function parseCommand(command: Command, argv: readonly string[]): ParsedCommand {
  const options = allOptions(command);
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, spec] of Object.entries(options)) config[name] = spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    // node:util's messages are clear but long; keep their first sentence.
    throw new UsageError(String((error as Error).message).split('. ')[0]!.replace(/\.$/, ''));
  }
  if (parsed.values.help === true) return parsed;
  const n = parsed.positionals.length;
  const { min, max, names } = command.positionals;
  if (n < min) throw new UsageError(`${command.name} needs ${names}`);
  if (n > max) throw new UsageError(`${command.name} takes ${max === 0 ? 'no arguments' : names}, got extra '${parsed.positionals[max]}'`);
  return parsed;
}

/** The help of one command. */
export function commandHelp(command: Command): string {
  const lines = [`Usage: braid ${command.name}${command.synopsis ? ` ${command.synopsis}` : ''} [options]`, '', command.summary, '', 'Options:'];
  const entries = Object.entries(allOptions(command)).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  for (const [flag, description] of entries) lines.push(`  ${flag.padEnd(width)}  ${description}`);
  return lines.join('\n');
}

/** A string option's value, or undefined. */
export function stringOption(parsed: ParsedCommand, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * An integer option within `[min, max]`, or undefined when absent.
 *
 * @throws UsageError when the value is not such an integer.
 */
export function intOption(parsed: ParsedCommand, name: string, min: number, max: number): number | undefined {
  const raw = stringOption(parsed, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** The API client for `--url`/`--token` (or `BRAID_URL`/`BRAID_TOKEN`). */
export function clientOf(parsed: ParsedCommand, io: CommandIo): BraidClient {
  const url = stringOption(parsed, 'url') ?? io.env.BRAID_URL ?? 'http://127.0.0.1:7700';
  const token = stringOption(parsed, 'token') ?? (io.env.BRAID_TOKEN || undefined);
  try {
    return new BraidClient(token === undefined ? { url } : { url, token });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^options\./, '--'));
  }
}
