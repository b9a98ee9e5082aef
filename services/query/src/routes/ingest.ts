import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { OpenAPIHono as Hono } from '@hono/zod-openapi';
import { CytoclipError, isInside } from '@cytoclip/domain';
import { jsonBody, notFound, RequestProblem, type AppContext } from '../http.js';
import { checkId, pathId } from '../ids.js';
import { IngestSchema } from '../schemas.js';
import { requireScope } from './auth.js';

/**
 * The atlas folder a request names, only when it lies inside one of the configured roots (after resolving symlinks),
 * so the API can never be pointed at an arbitrary path on the server. Relative names resolve against each root.
 */
export function resolveAtlasPath(name: string, roots: string[]): string {
  const candidates = isAbsolute(name) ? [name] : roots.map((root) => resolve(root, name));
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    const inside = roots.some((root) => existsSync(root) && isInside(real, realpathSync(root)));
    if (!inside) continue;
    const folder = statSync(real).isDirectory() ? real : resolve(real, '..');
    if (!existsSync(join(folder, 'atlas.json'))) {
      throw new RequestProblem(400, `${name} has no atlas.json`, [{ field: 'atlas', message: 'not an atlas' }]);
    }
    return folder;
  }
  throw new RequestProblem(400, `atlas ${name} is not under an allowed atlas root (CYTOCLIP_ATLAS_ROOTS)`, [
    { field: 'atlas', message: 'outside the atlas roots or missing' },
  ]);
}

export function ingestRoutes(app: Hono, ctx: AppContext): void {
  const service = () => {
    if (!ctx.ingest)
      throw new CytoclipError('ingest_unavailable', 'this server runs without an ingest service', { status: 501 });
    return ctx.ingest;
  };

  app.post('/v1/ingest', requireScope(ctx, 'ingest'), async (c) => {
    const request = await jsonBody(c, IngestSchema);
    const folder = resolveAtlasPath(checkId(request.atlas, 'atlas', 4096), ctx.config.atlasRoots);
    const job = await service().start(folder, request.replace === undefined ? {} : { replace: request.replace });
    return c.json(job, 202, { location: `/v1/ingest/${job.id}` });
  });

  app.get('/v1/ingest/:id', requireScope(ctx, 'ingest'), async (c) => {
    const id = pathId(c, 'id');
    const job = ctx.ingest ? await ctx.ingest.get(id) : null;
    if (!job) throw notFound('ingest job', id);
    return c.json(job);
  });
}
