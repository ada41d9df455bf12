// How `braid` shows tasks in a terminal: the detail of one, a table of many, a progress bar, durations.
import type { TaskView } from '../jobs/service/task-view.js';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Whether a task's status is final. */
export function isFinished(task: Pick<TaskView, 'status'>): boolean {
  return FINISHED.has(task.status);
}

/** `850 ms`, `4.2 s`, `12 s`, `3 min 4 s`, `2 h 5 min`; `—` for null or negative. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !(ms >= 0)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** How long the latest attempt ran (so far, if it is still running at `now`), or null if it never started. */
export function runDuration(task: TaskView, now: number): number | null {
  if (task.startedAt === null) return null;
  const end = task.finishedAt !== null ? Date.parse(task.finishedAt) : task.status === 'running' ? now : null;
  return end === null ? null : end - Date.parse(task.startedAt);
}

/** `[████████░░░░]  52%`: a bar `width` cells wide for a 0..100 progress. */
export function progressBar(progress: number, width = 30): string {
  const pct = Number.isFinite(progress) ? Math.max(0, Math.min(100, progress)) : 0;
  const full = Math.round((pct / 100) * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${`${Math.floor(pct)}%`.padStart(4)}`;
}

/** Control characters in server text would move the cursor or recolour the terminal: show them as `?`. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

function time(iso: string | null): string {
  return iso === null ? '—' : new Date(iso).toLocaleString();
}

function json(value: unknown): string {
  return printable(JSON.stringify(value, null, 2) ?? 'undefined');
}

/** A task for people: status, progress, timings, input, and the result or the error with its stack. */
export function formatTask(task: TaskView, now: number): string {
  const lines = [
    `${printable(task.type)} ${task.id}`,
    `  status    ${task.status}${task.message ? ` — ${printable(task.message)}` : ''}`,
    `  progress  ${progressBar(task.progress, 20)}`,
    `  attempts  ${task.attempts}    priority ${task.priority}`,
    `  created   ${time(task.createdAt)}`,
  ];
  if (task.runAt !== null) lines.push(`  run at    ${time(task.runAt)}`);
  lines.push(`  started   ${time(task.startedAt)}`, `  finished  ${time(task.finishedAt)}`, `  duration  ${formatDuration(runDuration(task, now))}`);
  lines.push(`  input     ${json(task.input).replace(/\n/g, '\n            ')}`);
  if (task.error !== null) {
    const { name, message, code, stack } = task.error;
    lines.push(`  error     ${code ? `[${printable(code)}] ` : ''}${printable(name)}: ${printable(message)}`);
    if (stack) lines.push(...printable(stack).split('\n').slice(1).map((l) => `          ${l}`));
  }
  if (task.status === 'succeeded' || (task.result !== null && task.result !== undefined)) {
    lines.push(`  result    ${json(task.result).replace(/\n/g, '\n            ')}`);
  }
  return lines.join('\n');
}

/** Rows as left-aligned columns separated by two spaces; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}
