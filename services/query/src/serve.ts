import { serve as nodeServe, type ServerType } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 picks a free one) and resolves once the socket is bound. */
export function serve(app: OpenAPIHono, options: { port: number; host: string }): Promise<Listening> {
  return new Promise((resolvePromise, reject) => {
    let server: ServerType | undefined = undefined;
    server = nodeServe({ fetch: app.fetch, port: options.port, hostname: options.host }, (info) => {
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolvePromise({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((done) => server!.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
