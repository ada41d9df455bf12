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
} as const;
