// Seed: a pub/sub gateway — a gateway actor publishes on a Bus; subscriber actors receive what their topic patterns match.
import { Bus, actor, scope, type ActorRef } from 'braid';

interface Envelope {
  topic: string;
  payload: string;
}

/** An actor that records what reaches it: stands in for a real service. */
function service(name: string, log: string[]): ActorRef<Envelope, void> {
  return actor(() => ({ receive: (m: Envelope) => void log.push(`${name} got ${m.topic}: ${m.payload}`) }), { name });
}

export async function main(): Promise<string[]> {
  const log: string[] = [];
  const bus = new Bus<Record<string, Envelope>>();

  // The gateway routes each incoming envelope onto the bus by its topic.
  const gateway = actor(() => ({ receive: (m: Envelope) => bus.publish(m.topic, m) }), { name: 'gateway' });

  const routes: [pattern: string, ref: ActorRef<Envelope, void>][] = [
    ['orders.*', service('inventory', log)], // every order event
    ['orders.paid', service('shipping', log)], // only payments
    ['>', service('audit', log)], // broadcast: everything
  ];

  await scope(async (s) => {
    for (const [pattern, ref] of routes) {
      const subscription = bus.subscribe(pattern);
      s.spawn(async () => {
        // Forward each match to its actor; ends when the bus closes.
        for await (const envelope of subscription) await ref.send(envelope);
      });
    }

    for (const [topic, payload] of [
      ['orders.created', '#1'],
      ['orders.paid', '#1'],
      ['users.signup', 'ada'],
    ] as const) {
      await gateway.ask({ topic, payload });
    }
    await gateway.stop();
    bus.close(); // subscriptions yield what they buffered, then end
  });
  for (const [, ref] of routes) await ref.stop();
  return log.sort();
}

if (import.meta.url === `file://${process.argv[1]}`) for (const line of await main()) console.log(line);
