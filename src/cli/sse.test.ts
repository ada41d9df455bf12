import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEventStream, type SseMessage } from './sse.js';

function streamOf(chunks: (string | Uint8Array)[], onCancel?: () => void): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
    },
    cancel() {
      onCancel?.();
    },
  });
}

async function collect(chunks: (string | Uint8Array)[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const msg of parseEventStream(streamOf(chunks))) out.push(msg);
  return out;
}

describe('parseEventStream', () => {
  it('parseEventStream() yields id, event and data of each message in order', async () => {
    const msgs = await collect(['id: 1\nevent: progress\ndata: {"a":1}\n\n', 'id: 2\nevent: status\ndata: {"b":2}\n\n']);
    assert.deepEqual(msgs, [
      { event: 'progress', data: '{"a":1}', id: '1' },
      { event: 'status', data: '{"b":2}', id: '2' },
    ]);
  });

  it('parseEventStream() joins messages split across chunks at any byte, including inside a UTF-8 character and a CRLF', async () => {
    const text = 'id: 7\r\nevent: progress\r\ndata: {"message":"résumé ✓"}\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    const chunks = [...bytes].map((b) => Uint8Array.of(b));
    assert.deepEqual(await collect(chunks), [{ event: 'progress', data: '{"message":"résumé ✓"}', id: '7' }]);
  });

  it('parseEventStream() skips comments, defaults the event to message, joins data lines and keeps the last id', async () => {
    const msgs = await collect([': keep-alive\n\n', 'data: one\ndata:two\n\n', 'id: 9\ndata\n\n', 'data: after\n\n']);
    assert.deepEqual(msgs, [
      { event: 'message', data: 'one\ntwo', id: '' },
      { event: 'message', data: '', id: '9' },
      { event: 'message', data: 'after', id: '9' },
    ]);
  });

  it('parseEventStream() accepts CR line endings and reports retry', async () => {
    assert.deepEqual(await collect(['retry: 2500\rdata: x\r\r']), [{ event: 'message', data: 'x', id: '', retry: 2500 }]);
  });

  it('parseEventStream() drops a final message that never got its blank line', async () => {
    assert.deepEqual(await collect(['data: complete\n\n', 'data: cut off\n']), [{ event: 'message', data: 'complete', id: '' }]);
  });

  it('parseEventStream() cancels the stream when the consumer stops early', async () => {
    let cancelled = 0;
    const stream = streamOf(['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n'], () => cancelled++);
    const seen: string[] = [];
    for await (const msg of parseEventStream(stream)) {
      seen.push(msg.data);
      break;
    }
    assert.deepEqual(seen, ['1']);
    assert.equal(cancelled, 1);
  });

  it('parseEventStream() throws TypeError for a non-stream', async () => {
    await assert.rejects(parseEventStream('nope' as never).next(), { name: 'TypeError', message: 'stream must be a ReadableStream' });
  });
});
