// `braid status ID`: one task for people, or as JSON.
import { clientOf, type Command } from './args.js';
import { formatTask } from './task-format.js';

/** The `status` command. */
export const status: Command = {
  name: 'status',
  synopsis: 'ID',
  summary: 'Show a task: status, progress, timings, input, and its result or error.',
  positionals: { min: 1, max: 1, names: 'a task ID' },
  client: true,
  options: { json: { type: 'boolean', description: 'print the task as JSON' } },
  async run(parsed, io) {
    const task = await clientOf(parsed, io).get(parsed.positionals[0]!, { signal: io.signal });
    io.stdout.write(parsed.values.json === true ? `${JSON.stringify(task, null, 2)}\n` : `${formatTask(task, Date.now())}\n`);
    return 0;
  },
};
