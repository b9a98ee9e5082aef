import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { RequestProblem, type AppContext } from '../http.js';
import { includes, KEY_VARIABLE, SCOPES, type Scope } from '../keys.js';

/** The cookie the web app sets beside its header, for what a browser fetches without it (images, Deep Zoom tiles). */
export const READ_KEY_COOKIE = 'cytoclip_read_key';

/**
 * The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`; for a read route fetched by GET or
 * HEAD, also the READ_KEY_COOKIE cookie. A cookie never reaches a write or an ingest/admin route, so a page elsewhere
 * cannot make a browser use it for anything but reading (it is also SameSite=Strict).
 */
function presentedKey(c: Context, scope: Scope): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const header = bearer ?? c.req.header('x-api-key');
  if (header !== undefined || scope !== 'read' || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return header;
  return getCookie(c, READ_KEY_COOKIE);
}

function unauthorized(c: Context, detail: string): RequestProblem {
  c.header('WWW-Authenticate', 'Bearer realm="cytoclip"');
  return new RequestProblem(401, detail);
}

/** The variables whose keys would grant `scope`, e.g. "CYTOCLIP_INGEST_KEY or CYTOCLIP_API_KEY". */
function grantingVariables(scope: Scope): string {
  return SCOPES.filter((s) => includes(s, scope))
    .map((s) => KEY_VARIABLE[s])
    .join(' or ');
}

/**
 * Lets the request through when its key grants `scope`: no key or an unknown key is 401 (with WWW-Authenticate), a
 * known key of a narrower scope 403. Read routes are open unless CYTOCLIP_READ_KEY is set.
 */
export function requireScope(ctx: AppContext, scope: Scope): MiddlewareHandler {
  return async (c, next) => {
    if (scope === 'read' && !ctx.config.readKey) return next();
    const key = presentedKey(c, scope);
    const granted = key === undefined ? null : ctx.keys.scopeOf(key);
    if (granted === null) {
      if (!ctx.keys.canGrant(scope))
        throw unauthorized(c, `this server has no ${grantingVariables(scope)} set, so ${scope} routes are disabled`);
      throw unauthorized(
        c,
        key === undefined ? `this route needs the ${scope} key (Authorization: Bearer <key>)` : 'wrong API key',
      );
    }
    if (!includes(granted, scope)) throw new RequestProblem(403, `the ${granted} key does not grant ${scope} routes`);
    await next();
  };
}
