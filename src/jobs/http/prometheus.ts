// The `/metrics` body: task counts, wait and run times, and HTTP traffic in the Prometheus text exposition format (0.0.4).

import type { TaskDurations } from '../service/task-durations.js';
import type { TaskCount, TaskStatus } from '../store/task-store.js';

/** The content type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const STATUSES: readonly TaskStatus[] = ['queued', 'delayed', 'running', 'paused', 'succeeded', 'failed', 'cancelled'];

/** Everything `/metrics` reports, gathered at scrape time. */
export interface MetricsSnapshot {
  /** Registered task types: each gets a series for every status, zeros included, so no series vanishes. */
  types: readonly string[];
  counts: readonly TaskCount[];
  /** Histograms of the service; `buckets[i]` counts observations ≤ `bucketBounds[i]` (cumulative). */
  durations: readonly TaskDurations[];
  bucketBounds: readonly number[];
  /** HTTP responses so far, by method, route pattern and status code. */
  requests: Iterable<{ method: string; route: string; status: number; count: number }>;
  /** Server-Sent Events streams open now. */
  eventStreams: number;
  /** Server-Sent Events streams opened since the server started. */
  eventStreamsOpened: number;
}

/**
 * Formats a snapshot as Prometheus text: `braid_tasks{type,status}` (gauge),
 * `braid_task_duration_seconds{type}` (histogram of attempt run times), `braid_task_wait_seconds{type}`
 * (histogram of creation-to-start times), `braid_http_requests_total{method,route,status}` (counter)
 * and `braid_http_event_streams` (gauge). Run and wait are two metrics, not one with a label, because
 * adding them up means nothing.
 *
 * @example
 * prometheusText({ types: ['resize'], counts: [{ type: 'resize', status: 'queued', count: 2 }], durations: [], bucketBounds: [], requests: [], eventStreams: 0, eventStreamsOpened: 0 });
 * // '# HELP braid_tasks ...\nbraid_tasks{type="resize",status="queued"} 2\n...'
 */
export function prometheusText(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  lines.push('# HELP braid_tasks Tasks in the store by type and status.', '# TYPE braid_tasks gauge');
  const counts = new Map<string, { type: string; status: string; count: number }>();
  const add = (type: string, status: string, count: number): void => {
    const k = `${type}\0${status}`;
    const entry = counts.get(k);
    if (entry === undefined) counts.set(k, { type, status, count });
    else entry.count += count;
  };
  for (const type of snapshot.types) for (const status of STATUSES) add(type, status, 0);
  for (const c of snapshot.counts) add(c.type, c.status, c.count);
  for (const { type, status, count } of counts.values()) lines.push(`braid_tasks${labels({ type, status })} ${count}`);

  histogram(lines, 'braid_task_duration_seconds', 'Run time of task attempts by type, in seconds.', snapshot, 'run');
  histogram(lines, 'braid_task_wait_seconds', 'Time from creation (or due time) to start of task attempts by type, in seconds.', snapshot, 'wait');

  lines.push('# HELP braid_http_requests_total HTTP responses by method, route and status.', '# TYPE braid_http_requests_total counter');
  for (const r of snapshot.requests) {
    lines.push(`braid_http_requests_total${labels({ method: r.method, route: r.route, status: String(r.status) })} ${r.count}`);
  }

  lines.push('# HELP braid_http_event_streams Server-Sent Events streams open now.', '# TYPE braid_http_event_streams gauge');
  lines.push(`braid_http_event_streams ${snapshot.eventStreams}`);
  lines.push('# HELP braid_http_event_streams_opened_total Server-Sent Events streams opened.', '# TYPE braid_http_event_streams_opened_total counter');
  lines.push(`braid_http_event_streams_opened_total ${snapshot.eventStreamsOpened}`);
  return `${lines.join('\n')}\n`;
}

function histogram(lines: string[], name: string, help: string, snapshot: MetricsSnapshot, phase: TaskDurations['phase']): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const d of snapshot.durations) {
    if (d.phase !== phase) continue;
    snapshot.bucketBounds.forEach((le, i) => {
      lines.push(`${name}_bucket${labels({ type: d.type, le: number(le) })} ${d.buckets[i] ?? 0}`);
    });
    lines.push(`${name}_bucket${labels({ type: d.type, le: '+Inf' })} ${d.count}`);
    lines.push(`${name}_sum${labels({ type: d.type })} ${number(d.sum)}`);
    lines.push(`${name}_count${labels({ type: d.type })} ${d.count}`);
  }
}

function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return `{${parts.join(',')}}`;
}

/** Label values escape backslash, double quote and newline (the only three the format requires). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
