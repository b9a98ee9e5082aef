import { serve as nodeServe, type ServerType } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { metricsPortOf } from './metrics-port.js';

export interface Listening {
  url: string;
  port: number;
  /** Where /metrics answers without a key, when CYTOCLIP_METRICS_PORT asked for a port of its own. */
  metricsUrl?: string;
  close(): Promise<void>;
}

function listen(app: Hono | OpenAPIHono, port: number, host: string): Promise<Listening> {
  return new Promise((resolvePromise, reject) => {
    let server: ServerType | undefined = undefined;
    server = nodeServe({ fetch: app.fetch, port, hostname: host }, (info) => {
      const shown = host.includes(':') ? `[${host}]` : host;
      resolvePromise({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((done) => server!.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}

/**
 * Listens on host:port (port 0 picks a free one) and resolves once the socket is bound; an app configured with a
 * metrics port (createApp's `metricsPort`) also gets that listener, closed with it.
 */
export async function serve(app: OpenAPIHono, options: { port: number; host: string }): Promise<Listening> {
  const api = await listen(app, options.port, options.host);
  const spec = metricsPortOf(app);
  if (!spec) return api;
  let metrics: Listening;
  try {
    metrics = await listen(spec.app, spec.port, spec.host ?? options.host);
  } catch (error) {
    await api.close();
    throw error;
  }
  return {
    ...api,
    metricsUrl: `${metrics.url}/metrics`,
    close: async () => {
      await Promise.all([api.close(), metrics.close()]);
    },
  };
}
