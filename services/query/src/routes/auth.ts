import type { Context, MiddlewareHandler } from 'hono';
import { RequestProblem, type AppContext } from '../http.js';
import { includes, KEY_VARIABLE, SCOPES, type Scope } from '../keys.js';

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
function presentedKey(c: Context): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  return bearer ?? c.req.header('x-api-key') ?? undefined;
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
    const key = presentedKey(c);
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
