// A pub/sub gateway and its subscribers as actor factories: the gateway routes each message to the actors subscribed to its topic.
import type { ActorRef } from 'braid';

export interface Envelope {
  topic: string;
  payload: string;
}

export type GatewayMsg = { subscribe: string; ref: ActorRef<Envelope, unknown> } | Envelope;

/** Routes by topic (`*` is every topic). Refs arrive inside `subscribe` messages and are used from wherever the gateway runs. */
export function gateway() {
  const routes = new Map<string, ActorRef<Envelope, unknown>[]>();
  return {
    async receive(msg: GatewayMsg): Promise<number> {
      if ('subscribe' in msg) {
        routes.set(msg.subscribe, [...(routes.get(msg.subscribe) ?? []), msg.ref]);
        return 0;
      }
      const targets = [...(routes.get(msg.topic) ?? []), ...(routes.get('*') ?? [])];
      for (const ref of targets) await ref.send(msg);
      return targets.length;
    },
  };
}

/** A service that records what reaches it; 'report' answers with where it runs and what it got. */
export function service(name: string) {
  const got: string[] = [];
  return {
    async receive(msg: Envelope | 'report'): Promise<string | void> {
      if (msg !== 'report') {
        got.push(`${msg.topic}: ${msg.payload}`);
        return;
      }
      const { where } = await import('./print-actor.js');
      return `${name} (${where()}) got ${got.join(', ') || 'nothing'}`;
    },
  };
}
