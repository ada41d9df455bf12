// Seed 001's actors in three placements: the PrintActor in a child process, and a gateway on a thread routing to loop, thread and process actors.
// Run: node --import tsx examples/placements/three-modes.ts
import { runtime } from 'braid';
import type * as Gateway from './actors/gateway.js';
import type * as Print from './actors/print-actor.js';

const print = new URL('./actors/print-actor.ts', import.meta.url);
const routing = new URL('./actors/gateway.ts', import.meta.url);

await using rt = runtime({ threads: 2, processes: 2 });

// 1. The PrintActor, in a child process: same ActorRef, same send/stop as on the loop.
const printer = rt.actor<typeof Print.printActor>(print, 'printActor', { on: 'process', args: ['Got: '] });
await printer.send('Hello');
await printer.send('World');
await printer.stop(); // drains the mailbox (both lines are printed), then the process leaves
console.log('printer stopped');

// 2. A gateway on a thread routes to services on the loop, on a thread and in a process. The
//    subscribe messages carry ActorRefs: the gateway uses them from its thread as if they were local.
const gateway = rt.actor<typeof Gateway.gateway>(routing, 'gateway', { on: 'thread' });
const services = {
  billing: rt.actor<typeof Gateway.service>(routing, 'service', { on: 'loop', args: ['billing'] }),
  search: rt.actor<typeof Gateway.service>(routing, 'service', { on: 'thread', args: ['search'] }),
  audit: rt.actor<typeof Gateway.service>(routing, 'service', { on: 'process', args: ['audit'] }),
};
await gateway.ask({ subscribe: 'orders', ref: services.billing });
await gateway.ask({ subscribe: 'products', ref: services.search });
await gateway.ask({ subscribe: '*', ref: services.audit }); // broadcast
for (const [topic, payload] of [['orders', '#1 paid'], ['products', 'lamp added'], ['orders', '#2 paid']] as const) {
  const delivered = await gateway.ask({ topic, payload });
  console.log(`${topic} ${payload} -> ${delivered} actors`);
}
await gateway.stop(); // its sends are all in the services' mailboxes now
for (const ref of Object.values(services)) console.log(await ref.ask('report'));
await Promise.all(Object.values(services).map((ref) => ref.stop()));
