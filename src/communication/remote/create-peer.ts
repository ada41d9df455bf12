// Makes a peer with every kind of object that can cross a link registered: actor refs (and, as they land, channels and buses).
import '../shared-channel-codec.js';
import { Peer, type PeerOptions } from './peer.js';
import './remote-actor-ref.js';
import './remote-channel.js';
import './remote-bus.js';

/**
 * A `Peer` whose links can carry every remotable object. Transports create peers through this, so
 * no codec can be missing because nobody happened to import its module.
 *
 * @example
 * const peer = createPeer({ link: { post: (batch) => port.postMessage(batch) }, destination: 'a thread', serializeError, deserializeError });
 */
export function createPeer(options: PeerOptions): Peer {
  return new Peer(options);
}
