// `braid watch ID`: a terminal progress bar that follows one task's event stream until the task ends.
import type { TaskView } from '../jobs/service/task-view.js';
import { clientOf, type Command, type CommandIo } from './args.js';
import { formatDuration, isFinished, printable, progressBar, runDuration } from './task-format.js';

/** The `watch` command: exit code 0 when the task succeeded, 1 when it failed or was cancelled. */
export const watch: Command = {
  name: 'watch',
  synopsis: 'ID',
  summary: 'Follow a task live with a progress bar until it ends (exit 0 if it succeeded, 1 otherwise).',
  positionals: { min: 1, max: 1, names: 'a task ID' },
  client: true,
  options: {},
  async run(parsed, io) {
    const id = parsed.positionals[0]!;
    const client = clientOf(parsed, io);
    const line = new StatusLine(io.stdout);
    // Subscribe before reading the task: whatever happens after the read arrives as an event. The
    // replay from seq 0 of this one task also covers a finish between the two.
    const events = await client.events({ taskId: id, after: 0, signal: io.signal });
    let task: TaskView;
    try {
      task = await client.get(id, { signal: io.signal });
      line.draw(task);
      if (!isFinished(task)) {
        for await (const event of events) {
          if (event.kind === 'progress') {
            const { progress, message } = event.payload as { progress?: unknown; message?: unknown };
            task = {
              ...task,
              progress: typeof progress === 'number' ? progress : task.progress,
              message: typeof message === 'string' || message === null ? message : task.message,
            };
          } else if (event.kind === 'status' || event.kind === 'started' || event.kind === 'requested') {
            task = await client.get(id, { signal: io.signal });
          }
          line.draw(task);
          if (isFinished(task)) break;
        }
      }
    } catch (error) {
      // Interrupted or failed mid-bar: finish the line so the shell prompt or the error starts clean.
      line.end();
      throw error;
    } finally {
      await events.return();
    }
    line.end();
    const took = formatDuration(runDuration(task, Date.now()));
    if (task.status === 'succeeded') {
      io.stdout.write(`succeeded in ${took}${task.result !== null && task.result !== undefined ? `: ${printable(JSON.stringify(task.result))}` : ''}\n`);
      return 0;
    }
    if (task.status === 'failed' && task.error !== null) {
      io.stdout.write(`failed after ${task.attempts} attempt${task.attempts === 1 ? '' : 's'}: ${printable(task.error.name)}: ${printable(task.error.message)}\n`);
    } else {
      io.stdout.write(`${task.status}\n`);
    }
    return 1;
  },
};

/** One line redrawn in place with `\r`; on a terminal it is cut to the width so it never wraps. */
class StatusLine {
  readonly #out: CommandIo['stdout'];
  #last = '';
  #width = 0;

  constructor(out: CommandIo['stdout']) {
    this.#out = out;
  }

  draw(task: TaskView): void {
    let text = `${progressBar(task.progress)}  ${task.status}${task.message ? `  ${printable(task.message)}` : ''}`;
    if (this.#out.isTTY === true && this.#out.columns !== undefined) text = text.slice(0, Math.max(10, this.#out.columns - 1));
    if (text === this.#last) return;
    // Pad over the previous, longer line rather than relying on ANSI erase (works in pipes and logs too).
    this.#out.write(`\r${text.padEnd(this.#width)}`);
    this.#width = Math.max(this.#width, text.length);
    this.#last = text;
  }

  end(): void {
    if (this.#last !== '') this.#out.write('\n');
  }
}
