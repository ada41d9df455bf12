// The message kinds peers exchange, one table so no two services collide (1 and 2 are the peer's own REPLY and RELEASE).

/** `ACTOR_SEND exportId msg`: `ref.send(msg)` on the exporting side; a credit comes back once it is accepted. */
export const ACTOR_SEND = 10;
/** `ACTOR_ASK reqId exportId msg timeout`: `ref.ask(msg)`; answered with REPLY, then a credit. */
export const ACTOR_ASK = 11;
/** `ACTOR_ASK_CANCEL reqId`: the asker gave up (timeout or abort); withdraw the ask if still queued. */
export const ACTOR_ASK_CANCEL = 12;
/** `ACTOR_STOP reqId exportId`: `ref.stop()`; REPLY when the actor has ended. */
export const ACTOR_STOP = 13;
/** `ACTOR_JOIN reqId exportId`: `ref.join()`; REPLY with how the actor ended. */
export const ACTOR_JOIN = 14;
/** `ACTOR_CREDIT exportId n`: the exporting side accepted n more sends or asks; the proxy may post n more. */
export const ACTOR_CREDIT = 15;
/** `ACTOR_GONE exportId error`: a send was refused (the actor has stopped); later calls fail at once. */
export const ACTOR_GONE = 16;

/** `CH_WANT exportId n`: a channel proxy would like n more credits (reserved slots) to send on. */
export const CH_WANT = 20;
/** `CH_GRANT exportId n`: the owner reserved n slots for the proxy. */
export const CH_GRANT = 21;
/** `CH_PUT exportId values`: values the proxy sent on credits, in order; each goes into a reserved slot. */
export const CH_PUT = 22;
/** `CH_RETURN exportId n`: credits the proxy did not use; the owner releases their slots. */
export const CH_RETURN = 23;
/** `CH_TAKE exportId max`: receives wait at the proxy; the owner takes up to max ready values (at least one). */
export const CH_TAKE = 24;
/** `CH_VALUES exportId values drained`: what a take got; `drained` once the channel is closed and empty. */
export const CH_VALUES = 25;
/** `CH_UNTAKE exportId values`: values a take brought that nobody took; back to the front of the channel. */
export const CH_UNTAKE = 26;
/** `CH_CLOSE exportId`: `close()` on the owner's channel. */
export const CH_CLOSE = 27;
/** `CH_CLOSED exportId`: the owner's channel closed. */
export const CH_CLOSED = 28;
/** `CH_TAKE_CANCEL exportId`: no receive waits at the proxy any more; withdraw the pending take. */
export const CH_TAKE_CANCEL = 29;

/** `BUS_PUBLISH reqId exportId topic msg`: `bus.publish(topic, msg)` on the owning side; REPLY once that publish settled. */
export const BUS_PUBLISH = 30;
/** `BUS_PUBLISH_CANCEL exportId reqId`: the publisher gave up (abort or timeout); withdraw the message from subscribers still blocked. */
export const BUS_PUBLISH_CANCEL = 31;
/** `BUS_SUBSCRIBE exportId subId pattern buffer overflow window`: a real subscription on the owning side, forwarded under `window` credits. */
export const BUS_SUBSCRIBE = 32;
/** `BUS_UNSUBSCRIBE exportId subId`: the importing side's subscription ended; end the owning side's. */
export const BUS_UNSUBSCRIBE = 33;
/** `BUS_CREDIT exportId subId n`: the importing side's reader took n forwarded messages; forward n more. */
export const BUS_CREDIT = 34;
/** `BUS_CLOSE exportId`: `bus.close()` on the owning side. */
export const BUS_CLOSE = 35;
/** `BUS_DELIVER subId dropped msg`: one message for subscription subId, with the owning side's dropped count so far. */
export const BUS_DELIVER = 36;
/** `BUS_END subId dropped busClosed`: the owning side's subscription ended (the bus closed and it drained, or it is gone). */
export const BUS_END = 37;

/** Kinds from here up belong to the executors (hosting actors in workers). */
export const EXECUTOR_KINDS = 100;

/** Fields per kind, for the services that register them. */
export const ARITY = {
  [ACTOR_SEND]: 2,
  [ACTOR_ASK]: 4,
  [ACTOR_ASK_CANCEL]: 1,
  [ACTOR_STOP]: 2,
  [ACTOR_JOIN]: 2,
  [ACTOR_CREDIT]: 2,
  [ACTOR_GONE]: 2,
  [CH_WANT]: 2,
  [CH_GRANT]: 2,
  [CH_PUT]: 2,
  [CH_RETURN]: 2,
  [CH_TAKE]: 2,
  [CH_VALUES]: 3,
  [CH_UNTAKE]: 2,
  [CH_CLOSE]: 1,
  [CH_CLOSED]: 1,
  [CH_TAKE_CANCEL]: 1,
  [BUS_PUBLISH]: 4,
  [BUS_PUBLISH_CANCEL]: 2,
  [BUS_SUBSCRIBE]: 6,
  [BUS_UNSUBSCRIBE]: 2,
  [BUS_CREDIT]: 3,
  [BUS_CLOSE]: 1,
  [BUS_DELIVER]: 3,
  [BUS_END]: 3,
} as const;
