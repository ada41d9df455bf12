// `braid cancel|pause|resume ID`: asks the service to stop, hold or release a task (running ones too).
import type { TaskView } from '../jobs/service/task-view.js';
import { clientOf, intOption, type Command } from './args.js';
import type { BraidClient } from './client.js';

/**
 * A running task obeys a cancel or pause at its next chance (its signal aborts; the runner records the
 * outcome), so the API answers `running` with the request pending. Wait for the status to change, on
 * the task's event stream, for at most `ms`; resolves with the latest view either way.
 */
async function settle(client: BraidClient, id: string, outer: AbortSignal, ms: number): Promise<TaskView> {
  const signal = AbortSignal.any([outer, AbortSignal.timeout(ms)]);
  try {
    // Subscribe first, then read: a change after the read arrives as an event (the replay covers one before).
    const events = await client.events({ taskId: id, after: 0, signal });
    try {
      let task = await client.get(id, { signal });
      if (task.status !== 'running') return task;
      for await (const event of events) {
        if (event.kind !== 'status') continue;
        task = await client.get(id, { signal });
        if (task.status !== 'running') return task;
      }
    } finally {
      await events.return();
    }
  } catch (error) {
    if (outer.aborted || !signal.aborted) throw error;
    // Timed out: report where the task is now.
  }
  return client.get(id, { signal: outer });
}

function setStatusCommand(name: string, target: 'cancelled' | 'paused' | 'queued', summary: string): Command {
  const stops = target !== 'queued';
  return {
    name,
    synopsis: 'ID',
    summary,
    positionals: { min: 1, max: 1, names: 'a task ID' },
    client: true,
    options: {
      json: { type: 'boolean', description: 'print the task as JSON' },
      ...(stops
        ? {
            async: { type: 'boolean', description: 'return once the request is recorded, without waiting for a running task to stop' },
            'wait-ms': { type: 'string', arg: 'MS', description: 'longest wait for a running task to stop (default 30000)' },
          }
        : {}),
    },
    async run(parsed, io) {
      const id = parsed.positionals[0]!;
      const client = clientOf(parsed, io);
      const waitMs = stops ? (intOption(parsed, 'wait-ms', 0, 3_600_000) ?? 30_000) : 0;
      let task = await client.setStatus(id, target, { signal: io.signal });
      if (stops && task.status === 'running' && parsed.values.async !== true && waitMs > 0) task = await settle(client, id, io.signal, waitMs);
      if (parsed.values.json === true) io.stdout.write(`${JSON.stringify(task, null, 2)}\n`);
      else io.stdout.write(`${task.id} ${task.status}${task.status === 'running' ? ` (${name} requested; it stops at its next check of its signal)` : ''}\n`);
      return 0;
    },
  };
}

/** `braid cancel ID`: a queued task never runs; a running one is aborted through its signal. */
export const cancel = setStatusCommand('cancel', 'cancelled', 'Cancel a task; a running task is aborted through its signal (waits until it stops).');
/** `braid pause ID`: a queued task is held; a running one stops and keeps its checkpoint. */
export const pause = setStatusCommand('pause', 'paused', 'Pause a task; a running task stops and keeps its checkpoint (waits until it stops).');
/** `braid resume ID`: a paused task is queued again. */
export const resume = setStatusCommand('resume', 'queued', 'Resume a paused task (it is queued again).');
