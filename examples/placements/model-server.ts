// A CPU model on its own thread behind a loop actor that serves requests, and a supervised process actor that survives being killed.
// Run: node --import tsx examples/placements/model-server.ts
import { runtime, supervisor, WorkerCrashedError } from 'braid';
import type * as Actors from './actors/model.js';

const actors = new URL('./actors/model.ts', import.meta.url);
await using rt = runtime({ threads: 2, processes: 1 });

// The model is CPU-bound: a dedicated thread, so it never shares its core's event loop with anyone.
const model = rt.actor<typeof Actors.model>(actors, 'model', { on: 'thread', worker: 'dedicated', args: [2_000_000] });
// The front end is IO-bound: the loop. It holds the model's ref (passed as an argument) and asks it.
const front = rt.actor<typeof Actors.frontEnd>(actors, 'frontEnd', { on: 'loop', args: [model] });

const ticks: number[] = [];
const ticker = setInterval(() => ticks.push(performance.now()), 10);
for (const body of ['hello', 'braid']) {
  const response = await front.ask({ path: '/score', body }, { timeout: 20_000 });
  console.log(`${response.status} ${response.body}`);
}
console.log(`${(await front.ask({ path: '/nope', body: '' })).status} for an unknown path`);
clearInterval(ticker);
// The host's loop kept ticking while the model computed: the CPU work was on another thread.
const longestGap = Math.max(...ticks.slice(1).map((t, i) => t - ticks[i]!));
console.log(`the loop stayed responsive: longest pause ${longestGap < 200 ? 'under 200 ms' : `${Math.round(longestGap)} ms`}`);

// A process actor under a supervisor: kill its process from outside, it comes back; no ask hangs.
const sup = supervisor({ maxRestarts: 3, within: 60_000 });
const worker = rt.actor<typeof Actors.flaky>(actors, 'flaky', { on: 'process', supervisor: sup });
const firstPid = await worker.ask('pid', { timeout: 20_000 });
const inFlight = worker.ask('slow', { timeout: 20_000 });
process.kill(firstPid, 'SIGKILL');
const outcome = await inFlight.then(
  () => 'answered',
  (error: unknown) => (error instanceof WorkerCrashedError ? `rejected with WorkerCrashedError (${error.signal})` : `rejected with ${String(error)}`),
);
console.log(`the ask in flight when the process was killed: ${outcome}`);
const secondPid = await worker.ask('pid', { timeout: 20_000 });
console.log(`restarted in a new process: ${secondPid !== firstPid ? 'yes' : 'no'}`);
await sup.stop();
await Promise.all([front.stop(), model.stop()]);
