// Runs bench/*.bench.ts (all, or those whose name contains an argument) one at a time, each in its own process.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);
const all = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).sort();
const chosen = filters.length ? all.filter((f) => filters.some((n) => f.includes(n))) : all;
if (chosen.length === 0) {
  console.error(`no bench matched ${filters.join(' ')}; have: ${all.join(', ')}`);
  process.exit(1);
}
let failed = 0;
for (const file of chosen) {
  console.log(`\n## ${file}`);
  // --expose-gc lets memory benches measure retained heap precisely.
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join('bench', file)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, BRAID_BENCH_COMMAND: `npm run bench -- ${filters.join(' ') || '(all)'}` },
  });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
