import type { Context } from 'hono';
import { createRoute, z, type OpenAPIHono as Hono } from '@hono/zod-openapi';
import {
  AtlasListSchema,
  ItemSchema,
  ModelListSchema,
  RegionTreeSchema,
  SectionListSchema,
  SectionSchema,
  SpecimenListSchema,
} from '../answers.js';
import { notFound, type AppContext } from '../http.js';
import { idParam } from '../ids.js';
import { json, KEY_SECURITY, media, problems, READ_SECURITY, V1_PROBLEMS } from '../openapi.js';
import type { ItemRecord, SectionRecord } from '../ports.js';
import { toResult } from '../search.js';
import { dziTileRect, dziXml, readRegion, storedSectionImage, type ImageFormat } from '../section-images.js';
import { maskToRegion, regionRings } from '../region-mask.js';
import { regionOutline, RegionOutlineSchema } from '../region-outline.js';
import { requireScope } from './auth.js';

// Tile and section images never change for a given id: cache them for a day in browsers and proxies.
const IMMUTABLE = 'public, max-age=86400, immutable';
const IMAGES = ['image/png', 'image/jpeg'];

const read = { tags: ['catalog'], security: READ_SECURITY };
const sectionParams = z.object({ id: idParam('id', 'section id') });
const itemParams = (what: string) => z.object({ id: idParam('id', `${what} id (a UUID)`, { uuid: true }) });

const atlases = createRoute({
  ...read,
  method: 'get',
  path: '/v1/atlases',
  summary: 'Ingested atlases',
  responses: { 200: json(AtlasListSchema, 'Every ingested atlas'), ...V1_PROBLEMS },
});

const deleteAtlas = createRoute({
  method: 'delete',
  path: '/v1/atlases/{id}',
  summary: "Remove an atlas: its rows, section copies and every model's vectors (admin key)",
  tags: ['catalog'],
  security: KEY_SECURITY,
  request: { params: z.object({ id: idParam('id', 'atlas name') }) },
  responses: { 204: { description: 'Removed' }, ...V1_PROBLEMS, ...problems(403, 404) },
});

const models = createRoute({
  ...read,
  method: 'get',
  path: '/v1/models',
  summary: 'Loaded models and their indexes',
  responses: {
    200: json(ModelListSchema, 'Models with their indexes, and indexes of models not loaded'),
    ...V1_PROBLEMS,
  },
});

const regions = createRoute({
  ...read,
  method: 'get',
  path: '/v1/regions',
  summary: 'The ontology as a tree',
  responses: { 200: json(RegionTreeSchema, 'Regions, roots first'), ...V1_PROBLEMS },
});

const specimens = createRoute({
  ...read,
  method: 'get',
  path: '/v1/specimens',
  summary: 'Specimens with gestational week and planes',
  responses: { 200: json(SpecimenListSchema, 'Every specimen of every atlas'), ...V1_PROBLEMS },
});

const sections = createRoute({
  ...read,
  method: 'get',
  path: '/v1/sections',
  summary: 'Every section (metadata, no polygons), by specimen, plane and index: browse without a query',
  responses: { 200: json(SectionListSchema, 'Sections'), ...V1_PROBLEMS },
});

const section = createRoute({
  ...read,
  method: 'get',
  path: '/v1/sections/{id}',
  summary: 'Section metadata, annotation polygons and its Deep Zoom URL',
  request: { params: sectionParams },
  responses: { 200: json(SectionSchema, 'The section'), ...V1_PROBLEMS, ...problems(404) },
});

const dzi = createRoute({
  ...read,
  method: 'get',
  path: '/v1/sections/{id}/dzi',
  summary: 'Deep Zoom descriptor of the section (TileSize 254, Overlap 1, jpeg)',
  request: { params: sectionParams },
  responses: { 200: media(['application/xml'], 'Deep Zoom XML'), ...V1_PROBLEMS, ...problems(404) },
});

const dziTile = createRoute({
  ...read,
  method: 'get',
  path: '/v1/sections/{id}/dzi_files/{level}/{tile}',
  summary: 'Deep Zoom tile, at most 256 px (OpenSeadragon derives the URL from the descriptor)',
  request: {
    params: sectionParams.extend({
      level: z
        .string()
        .regex(/^\d{1,9}$/, 'a Deep Zoom level')
        .openapi({ param: { name: 'level', in: 'path', required: true }, example: '10' }),
      tile: z
        .string()
        .regex(/^\d{1,9}_\d{1,9}\.(jpeg|jpg|png)$/, 'is {col}_{row}.jpeg (or .png)')
        .openapi({ param: { name: 'tile', in: 'path', required: true }, example: '0_0.jpeg' }),
    }),
  },
  responses: { 200: media(IMAGES, 'The tile'), ...V1_PROBLEMS, ...problems(404) },
});

/** `?size=` (8 up to the cap) and `?format=` of a rendered tile or region image. */
function imageQuery(maxSide: number) {
  return z.object({
    size: z
      .string()
      .regex(/^\d{1,5}$/, `an integer from 8 to ${maxSide}`)
      .refine((v) => Number(v) >= 8 && Number(v) <= maxSide, `an integer from 8 to ${maxSide}`)
      .optional()
      .openapi({
        param: { name: 'size', in: 'query' },
        description: `the longer side in px, 8 to ${maxSide} (the default: at most ${maxSide})`,
      }),
    format: z
      .enum(['png', 'jpeg'])
      .optional()
      .openapi({
        param: { name: 'format', in: 'query' },
        description: 'png (default) or jpeg; also Accept: image/jpeg',
      }),
  });
}

function itemRoutes(kind: ItemRecord['kind'], maxSide: number) {
  const [path, what] = kind === 'tile' ? ['/v1/tiles/{id}', 'tile'] : ['/v1/region-images/{id}', 'region image'];
  const params = itemParams(what);
  const meta = createRoute({
    ...read,
    method: 'get',
    path,
    summary: `${what[0]!.toUpperCase()}${what.slice(1)} metadata`,
    request: { params },
    responses: { 200: json(ItemSchema, `The ${what}`), ...V1_PROBLEMS, ...problems(404) },
  });
  const image = createRoute({
    ...read,
    method: 'get',
    path: `${path}/image`,
    summary: `The ${what} cut from its section${kind === 'region' ? ', whitened outside the region' : ''}`,
    request: { params, query: imageQuery(maxSide) },
    responses: {
      200: media(IMAGES, `The ${what}, at most ${maxSide} px on the longer side`),
      ...V1_PROBLEMS,
      ...problems(404),
    },
  });
  return { meta, image };
}

const outline = createRoute({
  ...read,
  method: 'get',
  path: '/v1/region-images/{id}/outline',
  summary: "A region image's outline: its region's polygons on its section as QuPath GeoJSON (not its box)",
  request: { params: itemParams('region image') },
  responses: {
    200: json(
      RegionOutlineSchema,
      "One feature in the region's ontology colour; none if the section has no polygon of it",
    ),
    ...V1_PROBLEMS,
    ...problems(404),
  },
});

export function catalogRoutes(app: Hono, ctx: AppContext): void {
  const { backend, service } = ctx;

  app.openapi(atlases, async (c) => c.json({ atlases: await backend.catalog.atlases() }, 200));

  app.openapi({ ...deleteAtlas, middleware: [requireScope(ctx, 'admin')] }, async (c) => {
    const { id } = c.req.valid('param');
    for (const index of await service.modelIndexes()) await backend.vectors.deleteAtlas?.(index.collection, id);
    if (!(await backend.catalog.deleteAtlas(id))) throw notFound('atlas', id);
    service.invalidate();
    return c.body(null, 204);
  });

  app.openapi(models, async (c) => {
    const indexes = await backend.catalog.modelIndexes();
    const loaded = backend.models.map((m) => ({ ...m.info, indexes: indexes.filter((i) => i.model === m.info.id) }));
    const orphans = indexes.filter((i) => !backend.models.some((m) => m.info.id === i.model));
    return c.json({ models: loaded, indexedOnly: orphans }, 200);
  });

  app.openapi(regions, async (c) => c.json({ regions: (await service.ontology()).tree() }, 200));

  app.openapi(specimens, async (c) => c.json({ specimens: await backend.catalog.specimens() }, 200));

  app.openapi(sections, async (c) => c.json({ sections: (await backend.catalog.sections?.()) ?? [] }, 200));

  app.openapi(section, async (c) => {
    const found = await sectionOf(ctx, c.req.valid('param').id);
    const { imagePath: _private, ...rest } = found;
    return c.json({ ...rest, dziUrl: `/v1/sections/${encodeURIComponent(found.id)}/dzi` }, 200);
  });

  app.openapi(dzi, async (c) => {
    const found = await sectionOf(ctx, c.req.valid('param').id);
    return c.body(dziXml(found.width, found.height), 200, {
      'content-type': 'application/xml',
      'cache-control': IMMUTABLE,
    });
  });

  app.openapi(dziTile, async (c) => {
    const { id, level, tile } = c.req.valid('param');
    const [col, row, ext] = tile.split(/[_.]/);
    const found = await sectionOf(ctx, id);
    const rect = dziTileRect(found.width, found.height, Number(level), Number(col), Number(row));
    if (!rect) throw notFound('Deep Zoom tile', tile);
    const format: ImageFormat = ext === 'png' ? 'png' : 'jpeg';
    const path = await storedSectionImage(ctx.config.dataDir, found.imagePath);
    return image(c, await readRegion(path, rect.rect, rect.out, format), format);
  });

  app.openapi(outline, async (c) => {
    const found = await item(ctx, c.req.valid('param').id, 'region');
    const section = await sectionOf(ctx, found.section);
    const region = found.region ?? '';
    const color = (await ctx.service.ontology()).get(region)?.color;
    return c.json(regionOutline(section.annotations, { id: found.id, region, section: found.section }, color), 200);
  });

  for (const kind of ['tile', 'region'] as const) {
    const routes = itemRoutes(kind, ctx.config.maxImageSide);
    app.openapi(routes.meta, async (c) => c.json(await itemJson(ctx, c.req.valid('param').id, kind), 200));
    app.openapi(routes.image, async (c) => {
      const { size, format } = c.req.valid('query');
      const jpeg = format === 'jpeg' || (!format && (c.req.header('accept') ?? '').startsWith('image/jpeg'));
      const found = await item(ctx, c.req.valid('param').id, kind);
      return itemImage(ctx, found, size ? Number(size) : ctx.config.maxImageSide, jpeg ? 'jpeg' : 'png', c);
    });
  }
}

async function sectionOf(ctx: AppContext, id: string): Promise<SectionRecord> {
  const section = await ctx.backend.catalog.section(id);
  if (!section) throw notFound('section', id);
  return section;
}

async function item(ctx: AppContext, id: string, kind: ItemRecord['kind']): Promise<ItemRecord> {
  const what = kind === 'tile' ? 'tile' : 'region image';
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
 * The item cut from its stored section TIFF, its longer side at most `size` (at most `maxImageSide`, 2,048 px: a
 * region image at full size cost 0.7 s and 165 MB a request; the route's schema refuses more, never clamps).
 */
async function itemImage(ctx: AppContext, found: ItemRecord, size: number, format: ImageFormat, c: Context) {
  const section = await sectionOf(ctx, found.section);
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

function image(c: Context, bytes: Buffer, format: ImageFormat): Response {
  return c.body(new Uint8Array(bytes), 200, { 'content-type': `image/${format}`, 'cache-control': IMMUTABLE });
}
