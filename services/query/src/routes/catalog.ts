import type { Context } from 'hono';
import type { OpenAPIHono as Hono } from '@hono/zod-openapi';
import { isUuid } from '@cytoclip/domain';
import { notFound, RequestProblem, type AppContext } from '../http.js';
import { pathId } from '../ids.js';
import type { ItemRecord, SectionRecord } from '../ports.js';
import { toResult } from '../search.js';
import { dziTileRect, dziXml, readRegion, storedSectionImage, type ImageFormat } from '../section-images.js';
import { maskToRegion, regionRings } from '../region-mask.js';
import { requireScope } from './auth.js';

// Tile and section images never change for a given id: cache them for a day in browsers and proxies.
const IMMUTABLE = 'public, max-age=86400, immutable';

export function catalogRoutes(app: Hono, ctx: AppContext): void {
  const { backend, service } = ctx;

  app.get('/v1/atlases', async (c) => c.json({ atlases: await backend.catalog.atlases() }));

  app.delete('/v1/atlases/:id', requireScope(ctx, 'admin'), async (c) => {
    const id = pathId(c, 'id');
    for (const index of await service.modelIndexes()) await backend.vectors.deleteAtlas?.(index.collection, id);
    if (!(await backend.catalog.deleteAtlas(id))) throw notFound('atlas', id);
    service.invalidate();
    return c.body(null, 204);
  });

  app.get('/v1/models', async (c) => {
    const indexes = await backend.catalog.modelIndexes();
    const models = backend.models.map((m) => ({ ...m.info, indexes: indexes.filter((i) => i.model === m.info.id) }));
    const orphans = indexes.filter((i) => !backend.models.some((m) => m.info.id === i.model));
    return c.json({ models, indexedOnly: orphans });
  });

  app.get('/v1/regions', async (c) => {
    const ontology = await service.ontology();
    return c.json({ regions: ontology.tree() });
  });

  app.get('/v1/specimens', async (c) => c.json({ specimens: await backend.catalog.specimens() }));

  app.get('/v1/sections/:id', async (c) => {
    const section = await sectionOf(ctx, pathId(c, 'id'));
    const { imagePath: _private, ...rest } = section;
    return c.json({ ...rest, dziUrl: `/v1/sections/${encodeURIComponent(section.id)}/dzi` });
  });

  app.get('/v1/sections/:id/dzi', async (c) => {
    const section = await sectionOf(ctx, pathId(c, 'id'));
    return c.body(dziXml(section.width, section.height), 200, {
      'content-type': 'application/xml',
      'cache-control': IMMUTABLE,
    });
  });

  app.get('/v1/sections/:id/dzi_files/:level/:tile', async (c) => {
    const id = pathId(c, 'id');
    const match = /^(\d{1,9})_(\d{1,9})\.(jpeg|jpg|png)$/.exec(c.req.param('tile'));
    const level = /^\d{1,9}$/.test(c.req.param('level')) ? Number(c.req.param('level')) : NaN;
    if (!match || !Number.isInteger(level))
      throw new RequestProblem(400, 'Deep Zoom tiles are {level}/{col}_{row}.jpeg', [
        { field: 'path', message: 'malformed' },
      ]);
    const section = await sectionOf(ctx, id);
    const tile = dziTileRect(section.width, section.height, level, Number(match[1]), Number(match[2]));
    if (!tile) throw notFound('Deep Zoom tile', c.req.param('tile'));
    const format: ImageFormat = match[3] === 'png' ? 'png' : 'jpeg';
    const path = await storedSectionImage(ctx.config.dataDir, section.imagePath);
    return image(c, await readRegion(path, tile.rect, tile.out, format), format);
  });

  app.get('/v1/tiles/:id', async (c) => c.json(await itemJson(ctx, pathId(c, 'id'), 'tile')));
  app.get('/v1/tiles/:id/image', async (c) => itemImage(c, ctx, await item(ctx, pathId(c, 'id'), 'tile')));
  app.get('/v1/region-images/:id', async (c) => c.json(await itemJson(ctx, pathId(c, 'id'), 'region')));
  app.get('/v1/region-images/:id/image', async (c) => itemImage(c, ctx, await item(ctx, pathId(c, 'id'), 'region')));
}

async function sectionOf(ctx: AppContext, id: string): Promise<SectionRecord> {
  const section = await ctx.backend.catalog.section(id);
  if (!section) throw notFound('section', id);
  return section;
}

async function item(ctx: AppContext, id: string, kind: ItemRecord['kind']): Promise<ItemRecord> {
  const what = kind === 'tile' ? 'tile' : 'region image';
  if (!isUuid(id)) throw new RequestProblem(400, `${what} ids are UUIDs`, [{ field: 'id', message: 'not a UUID' }]);
  const found = (await ctx.service.items([id], kind)).get(id);
  if (!found || found.kind !== kind) throw notFound(what, id);
  return found;
}

async function itemJson(ctx: AppContext, id: string, kind: ItemRecord['kind']) {
  const found = await item(ctx, id, kind);
  const { score: _none, ...result } = toResult(found, 0, await ctx.service.ontology());
  return {
    ...result,
    regionShare: found.regionShare ?? null,
    sectionUrl: `/v1/sections/${encodeURIComponent(found.section)}`,
  };
}

/**
 * The item cut from its stored section TIFF, its longer side at most `maxImageSide` (2,048 px: a region image at full
 * size cost 0.7 s and 165 MB a request); `?size=` asks for less (8 up to the cap; more is refused, not clamped),
 * `?format=png|jpeg`.
 */
async function itemImage(c: Context, ctx: AppContext, found: ItemRecord): Promise<Response> {
  const section = await sectionOf(ctx, found.section);
  const format: ImageFormat =
    c.req.query('format') === 'jpeg' || (c.req.header('accept') ?? '').startsWith('image/jpeg') ? 'jpeg' : 'png';
  const size = imageSize(c.req.query('size'), ctx.config.maxImageSide);
  const [x, y, w, h] = found.bbox;
  const left = Math.max(0, Math.min(section.width - 1, Math.round(x)));
  const top = Math.max(0, Math.min(section.height - 1, Math.round(y)));
  const rect = {
    left,
    top,
    width: Math.max(1, Math.min(Math.round(w), section.width - left)),
    height: Math.max(1, Math.min(Math.round(h), section.height - top)),
  };
  const scale = Math.min(1, size / Math.max(rect.width, rect.height));
  const out = {
    width: Math.max(1, Math.round(rect.width * scale)),
    height: Math.max(1, Math.round(rect.height * scale)),
  };
  const path = await storedSectionImage(ctx.config.dataDir, section.imagePath);
  let bytes = await readRegion(path, rect, out, format);
  const rings = found.kind === 'region' && found.region ? regionRings(section.annotations, found.region) : [];
  if (rings.length) bytes = await maskToRegion(bytes, rect, rings, format);
  return image(c, bytes, format);
}

/** The longer side asked for: `?size=` from 8 to the cap, the cap when absent. */
function imageSize(text: string | undefined, max: number): number {
  if (text === undefined) return max;
  const size = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(size >= 8 && size <= max))
    throw new RequestProblem(400, `size is an integer from 8 to ${max}`, [{ field: 'size', message: 'out of range' }]);
  return size;
}

function image(c: Context, bytes: Buffer, format: ImageFormat): Response {
  return c.body(new Uint8Array(bytes), 200, { 'content-type': `image/${format}`, 'cache-control': IMMUTABLE });
}
