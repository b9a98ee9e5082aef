import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Metrics } from './metrics.js';

export type { Logger };

declare module 'hono' {
  interface ContextVariableMap {
    /** This request's logger: every line it writes carries the request id. */
    log: Logger;
  }
}

/** Properties of driver errors that carry SQL or its parameters: never logged. */
const UNLOGGED = new Set(['query', 'sql', 'params', 'parameters', 'values', 'cause']);

/** An error as a log field: its type, code, a short message and the stack frames; no SQL, parameters or causes. */
export function errorSummary(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error).slice(0, 300) };
  const summary: Record<string, unknown> = { type: error.name, message: error.message.slice(0, 300) };
  for (const [key, value] of Object.entries(error)) {
    if (!UNLOGGED.has(key) && (typeof value === 'string' || typeof value === 'number')) summary[key] = value;
  }
  // The frames only: the stack's first line repeats the whole message.
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line));
  if (frames?.length) summary.stack = frames.slice(0, 12).join('\n');
  return summary;
}

/**
 * JSON lines on stderr (or `destination`): ISO time, numeric level, `service`, the request id where there is one.
 * Stderr, because stdout belongs to the CLI's own output (`cytoclip start --json` writes one document there).
 */
export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { service: 'cytoclip-query' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: errorSummary },
    },
    destination,
  );
}

/**
 * Per request: a child logger carrying the request id (set by hono's requestId before this), then, once answered,
 * the request's metrics and one access line (method, path, route, status, ms, reqId). The path is clipped and never
 * carries the query string.
 */
export function observeRequests(metrics: Metrics, logger: Logger): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    const log = logger.child({ reqId: c.get('requestId') });
    c.set('log', log);
    await next();
    const ms = performance.now() - started;
    const route = routePath(c) || 'unmatched';
    metrics.observeRequest(c.req.method, route, c.res.status, ms / 1000);
    const path = c.req.path.length > 300 ? `${c.req.path.slice(0, 300)}…` : c.req.path;
    log.info({ method: c.req.method, path, route, status: c.res.status, ms: Math.round(ms * 10) / 10 }, 'request');
  };
}
