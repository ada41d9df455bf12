// The error a send or receive rejects with once its channel is closed.

/**
 * Thrown (as a rejection) by `send()` on a closed channel — `value` is the value that was not
 * delivered, so the caller can retry it elsewhere — and by `receive()` once the channel is closed and
 * drained (`value` is `undefined`).
 *
 * @example
 * const channel = new Channel<string>(1);
 * channel.close();
 * try {
 *   await channel.send('hello');
 * } catch (error) {
 *   if (error instanceof ChannelClosedError) console.log('not sent:', error.value); // 'hello'
 * }
 */
export class ChannelClosedError<T = unknown> extends Error {
  override name = 'ChannelClosedError';
  /** The value a failed send carried; `undefined` for a receive. */
  readonly value: T | undefined;

  constructor(value?: T, message = value === undefined ? 'The channel is closed' : 'The channel is closed; the value was not sent') {
    super(message);
    this.value = value;
  }
}
