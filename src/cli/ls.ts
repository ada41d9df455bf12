// `braid ls`: the newest tasks as a table, filtered by status or type.
import type { TaskStatus } from '../jobs/store/task-store.js';
import { clientOf, intOption, stringOption, UsageError, type Command } from './args.js';
import { formatDuration, formatTable, printable, runDuration } from './task-format.js';

const STATUSES: readonly TaskStatus[] = ['queued', 'delayed', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

/** The `ls` command. */
export const ls: Command = {
  name: 'ls',
  synopsis: '',
  summary: 'List tasks, newest first.',
  positionals: { min: 0, max: 0, names: '' },
  client: true,
  options: {
    status: { type: 'string', arg: 'STATUS', description: STATUSES.join(' | ') },
    type: { type: 'string', arg: 'TYPE', description: 'only tasks of this type' },
    limit: { type: 'string', arg: 'N', description: 'at most N tasks, 1..1000 (default 20)' },
    json: { type: 'boolean', description: 'print the page as JSON' },
  },
  async run(parsed, io) {
    const status = stringOption(parsed, 'status');
    if (status !== undefined && !STATUSES.includes(status as TaskStatus)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got '${status}'`);
    }
    const options: { status?: TaskStatus; type?: string; limit: number; signal: AbortSignal } = {
      limit: intOption(parsed, 'limit', 1, 1000) ?? 20,
      signal: io.signal,
    };
    if (status !== undefined) options.status = status as TaskStatus;
    const type = stringOption(parsed, 'type');
    if (type !== undefined) options.type = type;
    const page = await clientOf(parsed, io).list(options);
    if (parsed.values.json === true) {
      io.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    if (page.tasks.length === 0) {
      io.stdout.write('no tasks\n');
      return 0;
    }
    const now = Date.now();
    const rows = [['ID', 'TYPE', 'STATUS', 'PROGRESS', 'CREATED', 'DURATION', 'MESSAGE']];
    for (const t of page.tasks) {
      rows.push([
        t.id,
        printable(t.type),
        t.status,
        `${Math.floor(t.progress)}%`,
        new Date(t.createdAt).toLocaleString(),
        formatDuration(runDuration(t, now)),
        printable(t.message ?? '').slice(0, 60),
      ]);
    }
    io.stdout.write(`${formatTable(rows)}\n`);
    if (page.nextCursor !== null) io.stdout.write(`(more: raise --limit or narrow with --status/--type)\n`);
    return 0;
  },
};
