import { createRoute, type OpenAPIHono as Hono } from '@hono/zod-openapi';
import { StatusSchema } from '../answers.js';
import type { AppContext } from '../http.js';
import { json, KEY_SECURITY, media, problems } from '../openapi.js';
import { requireScope } from './auth.js';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Alive',
  tags: ['operations'],
  responses: { 200: json(StatusSchema, 'The process answers') },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Ready: stores open and the start-up ingest finished',
  tags: ['operations'],
  responses: {
    200: json(StatusSchema, '`{ status: ready }`'),
    503: json(StatusSchema, '`{ status: starting }` until the start-up ingest is done'),
  },
});

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (admin key; CYTOCLIP_METRICS_PORT serves them without one on a port of their own)',
  tags: ['operations'],
  security: KEY_SECURITY,
  responses: {
    200: media(['text/plain'], 'Prometheus text exposition format (version 0.0.4)'),
    ...problems(401, 403, 500),
  },
});

export function opsRoutes(app: Hono, ctx: AppContext): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyz, (c) =>
    ctx.isReady() ? c.json({ status: 'ready' as const }, 200) : c.json({ status: 'starting' as const }, 503),
  );
  // Behind the admin key here; CYTOCLIP_METRICS_PORT serves it without one on a port of its own (metrics-port.ts).
  app.openapi({ ...metrics, middleware: [requireScope(ctx, 'admin')] }, async (c) =>
    c.body(await ctx.metrics.render(), 200, { 'content-type': ctx.metrics.contentType }),
  );
}
