// The seam between Channel and its link codec: the internal method by which a channel or a view names its engine and side.

/** What a proxy may do: both ends of the channel, or only the end of the view that was sent. */
export type ChannelSide = 'both' | 'send' | 'receive';

/** Internal key of the method by which Channel and its views tell the codec their engine and side. */
export const CHANNEL_PARTS: unique symbol = Symbol.for('braid.channelParts') as never;
