// `npm run examples`: runs each seed example of the foundation in turn and prints what it shows.
import { main as fanOut } from './fan-out.js';
import { main as printActor } from './print-actor.js';
import { main as producerConsumer } from './producer-consumer.js';
import { main as pubsubGateway } from './pubsub-gateway.js';

const examples: [title: string, run: () => Promise<string[]>][] = [
  ['Producer/consumer with a WorkQueue and join()', producerConsumer],
  ['The PrintActor', printActor],
  ['A pub/sub gateway between actors', pubsubGateway],
  ['A request fanned out to 12 sub-queries', fanOut],
];

for (const [title, run] of examples) {
  console.log(`\n== ${title}`);
  for (const line of await run()) console.log(`   ${line}`);
}
