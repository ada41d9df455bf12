// `braid types`: the task types a running service accepts, with their placement and an example input.
import { clientOf, type Command } from './args.js';
import { sampleInput } from './demo-tasks.js';
import { formatTable, printable } from './task-format.js';

/** The `types` command. */
export const types: Command = {
  name: 'types',
  synopsis: '',
  summary: 'List the task types the service runs: name, placement and an input built from the type\'s schema.',
  positionals: { min: 0, max: 0, names: '' },
  client: true,
  options: { json: { type: 'boolean', description: 'print them as JSON' } },
  async run(parsed, io) {
    const list = await clientOf(parsed, io).types({ signal: io.signal });
    if (parsed.values.json === true) {
      io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return 0;
    }
    const rows = [['TYPE', 'ON', 'EXAMPLE INPUT']];
    for (const t of list) rows.push([printable(t.name), t.on, t.inputSchema === undefined ? '(any JSON)' : printable(JSON.stringify(sampleInput(t.inputSchema)))]);
    io.stdout.write(`${formatTable(rows)}\n`);
    return 0;
  },
};
