import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { RequestProblem, type AppContext } from '../http.js';

/** Ingest and admin routes: `Authorization: Bearer <CYTOCLIP_API_KEY>` or `X-API-Key`; with no key configured, 401. */
export function requireKey(ctx: AppContext): MiddlewareHandler {
  return async (c, next) => {
    const expected = ctx.config.apiKey;
    if (!expected)
      throw new RequestProblem(401, 'this server has no CYTOCLIP_API_KEY set, so ingest and admin routes are disabled');
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const given = bearer ?? c.req.header('x-api-key');
    if (!given) throw new RequestProblem(401, 'this route needs the API key (Authorization: Bearer <key>)');
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new RequestProblem(401, 'wrong API key');
    await next();
  };
}
