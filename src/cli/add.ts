// `braid add TYPE --input JSON`: creates a task and prints its id.
import { clientOf, intOption, stringOption, UsageError, type Command } from './args.js';
import { ApiError } from './client.js';

/** The `add` command. */
export const add: Command = {
  name: 'add',
  synopsis: 'TYPE',
  summary: 'Create a task of TYPE and print its id (the task runs in the background).',
  positionals: { min: 1, max: 1, names: 'a task TYPE' },
  client: true,
  options: {
    input: { type: 'string', arg: 'JSON', description: 'the task input as JSON (default null)' },
    priority: { type: 'string', arg: 'N', description: 'higher runs first (default: the type\'s)' },
    'idempotency-key': { type: 'string', arg: 'KEY', description: 'adding the same TYPE and KEY again returns the first task' },
    'run-at': { type: 'string', arg: 'TIME', description: 'not before this ISO time' },
    json: { type: 'boolean', description: 'print the API answer as JSON' },
  },
  async run(parsed, io) {
    const [type] = parsed.positionals as [string];
    const rawInput = stringOption(parsed, 'input');
    let input: unknown = null;
    if (rawInput !== undefined) {
      try {
        input = JSON.parse(rawInput);
      } catch (error) {
        throw new UsageError(`--input must be JSON: ${(error as Error).message}`);
      }
    }
    const options: { priority?: number; idempotencyKey?: string; runAt?: string } = {};
    const priority = intOption(parsed, 'priority', -(2 ** 31), 2 ** 31 - 1);
    if (priority !== undefined) options.priority = priority;
    const key = stringOption(parsed, 'idempotency-key');
    if (key !== undefined) options.idempotencyKey = key;
    const runAt = stringOption(parsed, 'run-at');
    if (runAt !== undefined) {
      if (Number.isNaN(Date.parse(runAt))) throw new UsageError(`--run-at must be an ISO date-time, got '${runAt}'`);
      options.runAt = runAt;
    }
    let created: { id: string };
    try {
      created = await clientOf(parsed, io).create(type, input, { ...options, signal: io.signal });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'VALIDATION_FAILED' && rawInput === undefined) {
        throw new ApiError(error.code, `${error.message} (no --input was given: \`braid types\` shows an example input for each type)`, error.status);
      }
      throw error;
    }
    io.stdout.write(parsed.values.json === true ? `${JSON.stringify(created)}\n` : `${created.id}\n`);
    return 0;
  },
};
