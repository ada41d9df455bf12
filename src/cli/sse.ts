// Parses a Server-Sent Events byte stream (the WHATWG event-stream format) into messages.

/** One dispatched SSE message. `id` is the last id seen on the stream (it persists across messages, as in EventSource). */
export interface SseMessage {
  /** The `event:` field, `'message'` when absent. */
  event: string;
  /** The `data:` lines joined by `\n`. */
  data: string;
  /** The last `id:` received so far on this stream, `''` when none. */
  id: string;
  /** A `retry:` reconnection delay in ms, when this message carried one. */
  retry?: number;
}

/**
 * The messages of an event stream, in order, as the bytes arrive. Follows the spec's parsing rules:
 * lines end in CRLF, LF or CR; `:` lines are comments; a field without a colon has an empty value;
 * one leading space of a value is dropped; a message is dispatched at a blank line and only if it had
 * data; a trailing message without its blank line is dropped. Stopping the iteration early cancels
 * the stream.
 *
 * @example
 * const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
 * for await (const msg of parseEventStream(res.body!)) console.log(msg.event, JSON.parse(msg.data));
 */
export async function* parseEventStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage, void, undefined> {
  if (stream === null || typeof stream !== 'object' || typeof stream.getReader !== 'function') {
    throw new TypeError('stream must be a ReadableStream');
  }
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let id = '';
  let event = '';
  let data: string[] = [];
  let retry: number | undefined;
  let finished = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) finished = true;
      else buffer += chunk.value;
      let start = 0;
      for (;;) {
        const end = lineEnd(buffer, start);
        if (end === -1) break;
        const line = buffer.slice(start, end);
        // A CR at the very end of the buffer may be the first half of a CRLF: wait for the next chunk.
        if (buffer[end] === '\r' && end + 1 === buffer.length && !finished) break;
        start = end + (buffer[end] === '\r' && buffer[end + 1] === '\n' ? 2 : 1);
        if (line === '') {
          if (data.length > 0) {
            const msg: SseMessage = { event: event === '' ? 'message' : event, data: data.join('\n'), id };
            if (retry !== undefined) msg.retry = retry;
            yield msg;
          }
          event = '';
          data = [];
          retry = undefined;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') event = value;
        else if (field === 'id') {
          if (!value.includes('\0')) id = value;
        } else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
      }
      buffer = buffer.slice(start);
      if (finished) return;
    }
  } finally {
    // Stopped early (break, throw, return): release the connection instead of leaving it open.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}
