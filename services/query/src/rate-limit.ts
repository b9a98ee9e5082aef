import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { QueryConfig } from './config.js';
import { problem } from './problem.js';

const WINDOW_MS = 60_000;
/** Routes whose every request costs an embedding, a decode or a full scan; a text search by contrast hits caches. */
const COSTLY = new Set(['/v1/search/image', '/v1/classify', '/v1/heatmap', '/v1/trajectory', '/v1/ingest']);

/** The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For entry it added. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** POST to a costly route, or a JSON search by image (its body is parsed once; the route reads the cached parse). */
async function isCostly(c: Context): Promise<boolean> {
  if (c.req.method !== 'POST') return false;
  if (COSTLY.has(c.req.path)) return true;
  if (c.req.path !== '/v1/search') return false;
  const body: unknown = await c.req.json().catch(() => null);
  const query = (body as { query?: unknown } | null)?.query;
  return typeof query === 'object' && query !== null && 'image' in query;
}

/**
 * `rateLimit` costly requests a minute per client address, shared across the costly routes (hono-rate-limiter's
 * fixed window in memory); over it, 429 problem+json with Retry-After (seconds to the window's end) and the
 * RateLimit-* headers. Null when the limit is 0 (the default), so benches and tests are never throttled.
 */
export function costlyRouteLimit(config: Pick<QueryConfig, 'rateLimit' | 'trustProxy'>): MiddlewareHandler | null {
  if (!config.rateLimit) return null;
  return rateLimiter({
    windowMs: WINDOW_MS,
    limit: config.rateLimit,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => clientAddress(c, config.trustProxy),
    skip: async (c) => !(await isCostly(c)),
    handler: (c) =>
      problem(c, 429, `more than ${config.rateLimit} costly requests a minute from this address`, {
        code: 'rate_limited',
      }),
  });
}
