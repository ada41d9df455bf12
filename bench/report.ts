// Shared bench plumbing: timing statistics, a markdown table, and appending it to bench/RESULTS.md with the machine's facts.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

/** The value at quantile `q` (0..1) of `values`, which need not be sorted. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** Runs `fn` `runs` times (after `warmup` discarded runs) and returns each run's result. */
export async function repeat<T>(runs: number, fn: () => Promise<T> | T, warmup = 1): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

/** Formats a number with thousands separators and at most `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A markdown table from a header row and data rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Prints a section and appends it to bench/RESULTS.md with the command, cores, Node version and date.
 * `notes` are free text lines (targets, ratios, caveats) printed under the table.
 */
export function report(title: string, body: string, notes: readonly string[] = []): void {
  const command = process.env.BRAID_BENCH_COMMAND ?? `node --import tsx ${process.argv[1] ?? ''}`;
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const section = [
    `## ${title}`,
    '',
    `\`${command}\` — ${availableParallelism()} cores (${cpu}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    body,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  console.log(`\n${section}`);
  if (!existsSync(RESULTS)) writeFileSync(RESULTS, '# Benchmark results\n\nAppended by `npm run bench`; newest at the bottom. Medians unless noted; the machine is shared and noisy.\n\n');
  appendFileSync(RESULTS, `${section}\n`);
}
