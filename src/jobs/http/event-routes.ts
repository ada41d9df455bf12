// The event resource: every task's events, or one task's, as Server-Sent Events replayable from Last-Event-ID.

import type { FastifyReply } from 'fastify';
import type { TaskEvent } from '../store/task-store.js';
import { ApiError } from './api-error.js';
import type { ApiRoute } from './api-route.js';
import { eventsHeadersSchema, eventsQuerySchema, taskIdParamsSchema } from './api-schemas.js';
import { replayPoint } from './event-streams.js';
import type { EventStreams } from './event-streams.js';
import type { ServedTaskService } from './served-service.js';

const FRAME = 'Frames `id: <seq>`, `event: <kind>`, `data: {"seq","taskId","kind","payload","at"}` (`at` in epoch ms), and `: ping` comments every 15 s.';

/**
 * `GET /events` and `GET /tasks/:id/events`. A client that reconnects with `Last-Event-ID` (or first
 * connects with `?after=`) gets every later event exactly once, then live ones. Without either,
 * `/tasks/:id/events` replays the task's whole history and `/events` starts from the newest event
 * (live only).
 *
 * @example
 * const source = new EventSource(`${url}/tasks/${id}/events`);
 * source.addEventListener('progress', (e) => console.log(JSON.parse(e.data).payload));
 */
export function eventRoutes(service: ServedTaskService, streams: EventStreams): ApiRoute[] {
  const produces = { status: 200, contentType: 'text/event-stream', description: `Server-Sent Events. ${FRAME}` };
  return [
    {
      method: 'GET',
      url: '/events',
      operationId: 'streamEvents',
      summary: 'Every task’s events: the retained log after ?after= or Last-Event-ID (default: none, live from now), then live (Server-Sent Events)',
      access: 'token-or-query',
      schema: { querystring: eventsQuerySchema, headers: eventsHeadersSchema },
      integerQuery: ['after'],
      produces,
      errors: ['UNAVAILABLE'],
      async handler(request, reply) {
        // Without a replay point the stream starts from now: replaying the whole retained log (up to a
        // million events) to every new dashboard would be the wrong default.
        const after = replayFrom(request.headers['last-event-id'], (request.query as { after?: number }).after) ?? (await service.lastEventSeq());
        refuseWhenFull(streams, reply);
        await streams.serve(reply, (signal) => service.events({ after, signal }));
      },
    },
    {
      method: 'GET',
      url: '/tasks/:id/events',
      operationId: 'streamTaskEvents',
      summary: 'One task’s events from its creation, then live (Server-Sent Events)',
      access: 'token-or-query',
      schema: { params: taskIdParamsSchema, querystring: eventsQuerySchema, headers: eventsHeadersSchema },
      integerQuery: ['after'],
      produces,
      errors: ['TASK_NOT_FOUND', 'UNAVAILABLE'],
      async handler(request, reply) {
        const { id } = request.params as { id: string };
        const after = replayFrom(request.headers['last-event-id'], (request.query as { after?: number }).after) ?? 0;
        // Answered as JSON before the stream starts, so a typo'd id is a 404 and not an empty stream.
        if ((await service.get(id)) === undefined) throw new ApiError('TASK_NOT_FOUND', `Task ${id} not found`);
        refuseWhenFull(streams, reply);
        await streams.serve(reply, (signal): AsyncIterable<TaskEvent> => service.events({ after, taskId: id, signal }));
      },
    },
  ];
}

function refuseWhenFull(streams: EventStreams, reply: FastifyReply): void {
  if (!streams.full) return;
  void reply.header('retry-after', '5');
  throw new ApiError('UNAVAILABLE', 'Too many open event streams; retry later');
}

function replayFrom(header: string | string[] | undefined, after: number | undefined): number | undefined {
  const point = replayPoint(header, after);
  if (point === 'invalid') throw new ApiError('VALIDATION_FAILED', 'headers/last-event-id must be a non-negative integer');
  return point;
}
