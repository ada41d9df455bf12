// `braid cancel|pause|resume ID`: asks the service to stop, hold or release a task (running ones too).
import { clientOf, type Command } from './args.js';

function setStatusCommand(name: string, target: 'cancelled' | 'paused' | 'queued', summary: string): Command {
  return {
    name,
    synopsis: 'ID',
    summary,
    positionals: { min: 1, max: 1, names: 'a task ID' },
    client: true,
    options: { json: { type: 'boolean', description: 'print the task as JSON' } },
    async run(parsed, io) {
      const task = await clientOf(parsed, io).setStatus(parsed.positionals[0]!, target, { signal: io.signal });
      io.stdout.write(parsed.values.json === true ? `${JSON.stringify(task, null, 2)}\n` : `${task.id} ${task.status}\n`);
      return 0;
    },
  };
}

/** `braid cancel ID`: a queued task never runs; a running one is aborted through its signal. */
export const cancel = setStatusCommand('cancel', 'cancelled', 'Cancel a task; a running task is aborted through its signal.');
/** `braid pause ID`: a queued task is held; a running one stops at its next checkpoint-friendly point. */
export const pause = setStatusCommand('pause', 'paused', 'Pause a task; a running task stops and keeps its checkpoint.');
/** `braid resume ID`: a paused task is queued again. */
export const resume = setStatusCommand('resume', 'queued', 'Resume a paused task (it is queued again).');
