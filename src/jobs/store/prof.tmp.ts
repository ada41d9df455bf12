import { SqliteTaskStore } from './sqlite/sqlite-task-store.js';
import { rmSync } from 'node:fs';
const f = '/tmp/prof.db';
for (const s of ['', '-wal', '-shm']) rmSync(f + s, { force: true });
const store = await SqliteTaskStore.open(f, { synchronous: 'normal' });
const cpu0 = process.cpuUsage();
let ops = 0;
for (let round = 0; round < 2; round++) {
  await Promise.all(Array.from({ length: 20000 }, (_, i) => store.createTask({ type: 'noop', input: { i } })));
  const c0 = process.cpuUsage();
  for (;;) { const c = await store.claimTasks({ owner: 'w', limit: 64, leaseMs: 60000 }); if (!c.length) break; await Promise.all(c.map((t) => store.completeTask({ id: t.id, leaseToken: t.leaseToken }))); }
  const c1 = process.cpuUsage(c0);
  console.log('drain cpu µs/task', ((c1.user + c1.system) / 20000).toFixed(1));
  ops += 40000;
}
const cpu = process.cpuUsage(cpu0);
console.log('cpu µs/op (create+complete)', ((cpu.user + cpu.system) / ops).toFixed(1), 'sys share', (cpu.system / (cpu.user + cpu.system)).toFixed(2));
await store.close();
