// How a SharedChannel crosses a link: its marker carries the SharedArrayBuffer itself, so a thread gets a view of the same memory.
import { isMainThread } from 'node:worker_threads';
import { registerCodec, type Peer } from './remote/peer.js';
import {
  SHARED_CHANNEL_CODEC,
  sharedChannelOf,
  sharedChannelParts,
  type SharedChannel,
  type SharedChannelSide,
  type SharedReceiver,
  type SharedSender,
} from './shared-channel.js';

interface Description {
  readonly buffer: SharedArrayBuffer;
  readonly side: SharedChannelSide;
}

/**
 * Whether the other side of `peer` is another process. The host's peers name it (`'a process'`); a
 * worker's peer calls its other side `'the caller'` or `'the host'` whatever the placement, and a
 * worker that runs on the main thread of a process with an IPC channel is a process worker (the
 * loop placement passes values by reference and never packs).
 */
function toAnotherProcess(peer: Peer): boolean {
  if (peer.destination === 'a process') return true;
  return (peer.destination === 'the caller' || peer.destination === 'the host') && isMainThread && process.channel !== undefined;
}

registerCodec<SharedChannel | SharedSender | SharedReceiver>({
  name: SHARED_CHANNEL_CODEC,
  byValue: true,
  describe: (obj): Description => sharedChannelParts(obj),
  rebuild: (description) => {
    const { buffer, side } = description as Description;
    return sharedChannelOf(buffer, side);
  },
  refuse: (_obj, peer) =>
    toAnotherProcess(peer) ? 'is a shared channel and cannot be sent to a process: processes share no memory; use a Channel' : undefined,
});
