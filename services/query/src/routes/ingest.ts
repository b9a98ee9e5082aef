import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createRoute, z, type OpenAPIHono as Hono } from '@hono/zod-openapi';
import { CytoclipError, isInside } from '@cytoclip/domain';
import { IngestJobSchema } from '../answers.js';
import { jsonOnly, notFound, RequestProblem, type AppContext } from '../http.js';
import { checkId, idParam } from '../ids.js';
import { json, KEY_SECURITY, problems, V1_PROBLEMS } from '../openapi.js';
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

const ingest = createRoute({
  method: 'post',
  path: '/v1/ingest',
  summary: 'Ingest an atlas folder under CYTOCLIP_ATLAS_ROOTS (ingest or admin key)',
  tags: ['ingest'],
  security: KEY_SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: IngestSchema } } } },
  responses: {
    202: {
      ...json(IngestJobSchema, 'Accepted: the job, also at Location'),
      headers: { Location: { schema: { type: 'string' } } },
    },
    ...V1_PROBLEMS,
    ...problems(403, 413, 415, 429, 501),
  },
});

const job = createRoute({
  method: 'get',
  path: '/v1/ingest/{id}',
  summary: "An ingest job's progress, or a catalog run's (ingest or admin key)",
  tags: ['ingest'],
  security: KEY_SECURITY,
  request: { params: z.object({ id: idParam('id', 'job id or catalog run id') }) },
  responses: { 200: json(IngestJobSchema, 'The job'), ...V1_PROBLEMS, ...problems(403, 404) },
});

export function ingestRoutes(app: Hono, ctx: AppContext): void {
  const service = () => {
    if (!ctx.ingest)
      throw new CytoclipError('ingest_unavailable', 'this server runs without an ingest service', { status: 501 });
    return ctx.ingest;
  };

  app.openapi({ ...ingest, middleware: [requireScope(ctx, 'ingest'), jsonOnly] }, async (c) => {
    const request = c.req.valid('json');
    const folder = resolveAtlasPath(checkId(request.atlas, 'atlas', 4096), ctx.config.atlasRoots);
    const started = await service().start(folder, request.replace === undefined ? {} : { replace: request.replace });
    return c.json(started, 202, { location: `/v1/ingest/${started.id}` });
  });

  app.openapi({ ...job, middleware: [requireScope(ctx, 'ingest')] }, async (c) => {
    const { id } = c.req.valid('param');
    const found = ctx.ingest ? await ctx.ingest.get(id) : null;
    if (!found) throw notFound('ingest job', id);
    return c.json(found, 200);
  });
}
