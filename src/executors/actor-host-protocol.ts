// The messages a host and a worker exchange to run actors in the worker: start, restart, halt, and what happened.
// Kinds from 100 up, the range communication/remote/kinds.ts leaves to the executors.

/** Host → worker: `START key url exportName args name mailbox askTimeout supervised self` (`self`: the loop's facade, else undefined). */
export const START = 100;
/** Host → worker: `RESTART key`: the supervisor restarts the actor (fresh behaviour, same mailbox). */
export const RESTART = 101;
/** Host → worker: `HALT key error`: the supervisor gave up; end without draining. */
export const HALT = 102;
/** Worker → host: `STARTED key exportId`: the actor runs; its ref is exported under exportId. */
export const STARTED = 103;
/** Worker → host: `START_FAILED key error`: the module, the export or the factory failed. */
export const START_FAILED = 104;
/** Worker → host: `FAILED key error`: a supervised actor failed and waits for RESTART or HALT. */
export const FAILED = 105;
/** Worker → host: `ENDED key ok error`: the actor ended (stopped, or failed without a supervisor). */
export const ENDED = 106;

export const HOST_ARITY = {
  [START]: 9,
  [RESTART]: 1,
  [HALT]: 2,
  [STARTED]: 2,
  [START_FAILED]: 2,
  [FAILED]: 2,
  [ENDED]: 3,
} as const;

/** What START carries. */
export interface StartRequest {
  key: number;
  url: string;
  exportName: string;
  args: unknown[];
  name: string;
  mailbox: number;
  askTimeout: number;
  supervised: boolean;
  /** On the loop, the host's facade (passed by reference) for the actor's ctx.self; else undefined. */
  self: unknown;
}
