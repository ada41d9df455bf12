import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prometheusText } from './prometheus.js';

describe('prometheusText', () => {
  it('prometheusText() reports every status of every type, zeros included, and adds up the counts', () => {
    const text = prometheusText({
      types: ['resize'],
      counts: [
        { type: 'resize', status: 'queued', count: 2 },
        { type: 'old-type', status: 'failed', count: 1 },
      ],
      durations: [],
      bucketBounds: [],
      requests: [],
      eventStreams: 0,
      eventStreamsOpened: 0,
    });
    const series = text.split('\n').filter((l) => l.startsWith('braid_tasks{'));
    assert.equal(series.length, 8);
    assert.ok(series.includes('braid_tasks{type="resize",status="queued"} 2'));
    assert.ok(series.includes('braid_tasks{type="resize",status="cancelled"} 0'));
    assert.ok(series.includes('braid_tasks{type="old-type",status="failed"} 1'));
    assert.ok(text.includes('# TYPE braid_tasks gauge\n'));
    assert.ok(text.endsWith('braid_http_event_streams_opened_total 0\n'));
  });

  it('prometheusText() writes run and wait histograms with cumulative buckets, +Inf, sum and count', () => {
    const text = prometheusText({
      types: ['a'],
      counts: [],
      durations: [
        { type: 'a', phase: 'run', buckets: [1, 3], count: 4, sum: 2.5 },
        { type: 'a', phase: 'wait', buckets: [4, 4], count: 4, sum: 0.01 },
      ],
      bucketBounds: [0.1, 1],
      requests: [{ method: 'GET', route: '/tasks/:id', status: 200, count: 9 }],
      eventStreams: 3,
      eventStreamsOpened: 7,
    });
    assert.ok(
      text.includes(
        [
          '# TYPE braid_task_duration_seconds histogram',
          'braid_task_duration_seconds_bucket{type="a",le="0.1"} 1',
          'braid_task_duration_seconds_bucket{type="a",le="1"} 3',
          'braid_task_duration_seconds_bucket{type="a",le="+Inf"} 4',
          'braid_task_duration_seconds_sum{type="a"} 2.5',
          'braid_task_duration_seconds_count{type="a"} 4',
        ].join('\n'),
      ),
    );
    assert.ok(text.includes('braid_task_wait_seconds_bucket{type="a",le="+Inf"} 4\nbraid_task_wait_seconds_sum{type="a"} 0.01'));
    assert.ok(text.includes('braid_http_requests_total{method="GET",route="/tasks/:id",status="200"} 9'));
    assert.ok(text.includes('braid_http_event_streams 3\n'));
    assert.ok(text.includes('# TYPE braid_http_event_streams_opened_total counter\nbraid_http_event_streams_opened_total 7\n'));
  });

  it('prometheusText() escapes backslash, quote and newline in label values', () => {
    const text = prometheusText({ types: ['a"b\\c\nd'], counts: [], durations: [], bucketBounds: [], requests: [], eventStreams: 0, eventStreamsOpened: 0 });
    assert.ok(text.includes('braid_tasks{type="a\\"b\\\\c\\nd",status="queued"} 0'));
    // Every sample is one line: no raw newline slipped into a label.
    for (const line of text.trimEnd().split('\n')) assert.match(line, /^(# (HELP|TYPE) .+|[a-z_]+(\{.*\})? \S+)$/);
  });
});
