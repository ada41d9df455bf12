// Crossing between sync and async code: runSync calls async code from a synchronous function, callHostSync lets a worker's sync code call the host.
// Run: node --import tsx examples/executors/sync-bridge.ts
import { runSync, runtime } from 'braid';
import type * as Render from './tasks/render.js';
import type * as Settings from './tasks/settings.js';

// 1. A synchronous function (say, a plugin hook that must return a value, not a promise) needs the
//    result of async code. runSync runs it on a helper thread and blocks this thread until it is done.
function readSettingsSync(environment: string): Settings.Settings {
  return runSync<typeof Settings.loadSettings>(new URL('./tasks/settings.ts', import.meta.url), 'loadSettings', environment);
}
const settings = readSettingsSync('production');
console.log(`settings (sync): ${JSON.stringify(settings)}`);

// 2. The other way round: sync code on a worker thread asks the host for values as it goes.
const dictionary: Record<string, string> = { greeting: 'Hello', name: 'Ada', place: 'the engine room' };
await using rt = runtime({ threads: 1 });
rt.expose('translate', (key: string) => dictionary[key] ?? `{${key}}`);
const render = rt.module<typeof Render>(new URL('./tasks/render.ts', import.meta.url), { on: 'thread' });
console.log(`rendered on a thread: ${await render.render('{greeting}, {name}! Welcome to {place}.')}`);
