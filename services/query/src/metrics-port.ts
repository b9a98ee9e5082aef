import { Hono } from 'hono';
import type { Metrics } from './metrics.js';

export interface MetricsPort {
  app: Hono;
  port: number;
  /** null: the API's own host. */
  host: string | null;
}

/** Which API app has a metrics port: serve() looks it up, so every caller of serve() opens it without knowing. */
const ports = new WeakMap<object, MetricsPort>();

/** A bare app answering GET /metrics without a key: for a port only the monitoring network reaches. */
export function attachMetricsPort(api: object, metrics: Metrics, port: number, host: string | null): void {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }));
  ports.set(api, { app, port, host });
}

export function metricsPortOf(api: object): MetricsPort | undefined {
  return ports.get(api);
}
