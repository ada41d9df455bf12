// The service's own routes: liveness, Prometheus metrics, the OpenAPI document and the dashboard page.

import { dashboardContentSecurityPolicy, dashboardHtml } from '../dashboard/dashboard.js';
import type { ApiRoute } from './api-route.js';
import { healthSchema, tokenQuerySchema } from './api-schemas.js';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from './prometheus.js';
import type { MetricsSnapshot } from './prometheus.js';

/** What the system routes read from the server that mounts them. */
export interface SystemRoutesContext {
  /** Gathers the metrics at scrape time (the task counts come from the store). */
  metrics: () => Promise<MetricsSnapshot>;
  /** The OpenAPI document, already serialised. */
  openApi: () => string;
  /** Serve the dashboard page at `/`. */
  dashboard: boolean;
}

/**
 * `GET /health`, `GET /metrics`, `GET /openapi.json` and (unless disabled) `GET /`, the dashboard.
 *
 * @example
 * const routes = systemRoutes({ metrics, openApi: () => json, dashboard: true });
 */
export function systemRoutes(context: SystemRoutesContext): ApiRoute[] {
  const routes: ApiRoute[] = [
    {
      method: 'GET',
      url: '/health',
      operationId: 'health',
      summary: 'Liveness: answers while the server accepts requests (never needs a token)',
      access: 'open',
      schema: { response: { 200: healthSchema } },
      errors: [],
      handler: () => Promise.resolve({ status: 'ok' }),
    },
    {
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics: tasks by type and status, wait and run time histograms, HTTP traffic',
      access: 'token',
      schema: {},
      produces: { status: 200, contentType: 'text/plain; version=0.0.4', description: 'Prometheus text exposition format' },
      errors: [],
      async handler(_request, reply) {
        const text = prometheusText(await context.metrics());
        void reply.type(PROMETHEUS_CONTENT_TYPE);
        return text;
      },
    },
    {
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openApi',
      summary: 'This API described in OpenAPI 3.1',
      access: 'token',
      schema: {},
      produces: { status: 200, contentType: 'application/json', description: 'An OpenAPI 3.1.0 document' },
      errors: [],
      handler(_request, reply) {
        void reply.type('application/json; charset=utf-8');
        return Promise.resolve(context.openApi());
      },
    },
  ];
  if (context.dashboard) {
    routes.push({
      method: 'GET',
      url: '/',
      operationId: 'dashboard',
      summary: 'The dashboard page: tasks live, details, cancel/pause/resume, create',
      access: 'token-or-query',
      schema: { querystring: tokenQuerySchema },
      produces: { status: 200, contentType: 'text/html', description: 'A self-contained HTML page' },
      errors: [],
      handler(_request, reply) {
        void reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', dashboardContentSecurityPolicy())
          // The page URL may carry ?token=: never send it on in a Referer.
          .header('referrer-policy', 'no-referrer')
          .header('x-frame-options', 'DENY');
        return Promise.resolve(dashboardHtml());
      },
    });
  }
  return routes;
}
