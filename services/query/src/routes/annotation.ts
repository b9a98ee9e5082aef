import { createRoute, z, type OpenAPIHono as Hono } from '@hono/zod-openapi';
import { AnnotationGeoJsonSchema, AnnotationTilesSchema, WhySchema } from '../annotation-answers.js';
import {
  DEFAULT_ANNOTATION,
  predictSection,
  scoreAgainstAnnotation,
  summarize,
  toGeoJson,
  type SectionTile,
  type TilePrediction,
} from '../auto-annotation.js';
import { DescriptorScorer } from '../descriptors.js';
import { notFound, type AppContext } from '../http.js';
import { idParam } from '../ids.js';
import { json, problems, READ_SECURITY, V1_PROBLEMS } from '../openapi.js';
import type { SectionRecord } from '../ports.js';
import type { ResolvedModel } from '../search.js';

const read = { tags: ['analysis'], security: READ_SECURITY };
const modelQuery = z.object({
  model: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({
      param: { name: 'model', in: 'query' },
      description: 'tile model, name@version (default: the newest complete tile index)',
    }),
});
const sectionParams = z.object({ id: idParam('id', 'section id') });
const NOT_FOUND = problems(404, 409);

const annotation = createRoute({
  ...read,
  method: 'get',
  path: '/v1/sections/{id}/annotation',
  summary: 'Auto-annotation of a section as QuPath GeoJSON: one merged polygon per predicted region, ontology colours',
  request: { params: sectionParams, query: modelQuery },
  responses: {
    200: {
      description: 'FeatureCollection in level-0 pixels',
      content: { 'application/geo+json': { schema: AnnotationGeoJsonSchema } },
    },
    ...V1_PROBLEMS,
    ...NOT_FOUND,
  },
});

const annotationTiles = createRoute({
  ...read,
  method: 'get',
  path: '/v1/sections/{id}/annotation/tiles',
  summary: 'Auto-annotation per tile (predicted region, confidence, kNN or zero-shot) and the legend, for overlays',
  request: { params: sectionParams, query: modelQuery },
  responses: { 200: json(AnnotationTilesSchema, 'Tiles and predicted regions'), ...V1_PROBLEMS, ...NOT_FOUND },
});

const why = createRoute({
  ...read,
  method: 'get',
  path: '/v1/tiles/{id}/why',
  summary: "Why this match: the thesaurus's cytoarchitectural descriptors that score highest on the tile",
  request: {
    params: z.object({ id: idParam('id', 'tile id (a UUID)', { uuid: true }) }),
    query: modelQuery,
  },
  responses: { 200: json(WhySchema, 'The top 5 descriptors'), ...V1_PROBLEMS, ...NOT_FOUND },
});

// A section's predictions are asked twice in a row (the overlay, then the GeoJSON): kept a minute per model.
const PREDICTION_TTL_MS = 60_000;

export function annotationRoutes(app: Hono, ctx: AppContext): void {
  const { service, backend } = ctx;
  const descriptors = new DescriptorScorer();
  const cache = new Map<string, { at: number; predictions: Promise<TilePrediction[]> }>();

  const predictions = (section: SectionRecord, resolved: ResolvedModel): Promise<TilePrediction[]> => {
    const key = `${resolved.index.collection}\u0000${section.id}`;
    const cached = cache.get(key);
    if (cached && Date.now() - cached.at < PREDICTION_TTL_MS) return cached.predictions;
    for (const [k, v] of cache) if (Date.now() - v.at >= PREDICTION_TTL_MS) cache.delete(k);
    const made = sectionTiles(ctx, section, resolved).then((tiles) =>
      predictSection(tiles, {
        vectors: backend.vectors,
        collection: resolved.index.collection,
        model: resolved.model,
        items: (ids) => service.items(ids, 'tile'),
      }),
    );
    cache.set(key, { at: Date.now(), predictions: made });
    made.catch(() => cache.delete(key));
    return made;
  };

  const annotate = async (id: string, model: string | undefined) => {
    const section = await backend.catalog.section(id);
    if (!section) throw notFound('section', id);
    const resolved = await service.resolveModel('tile', model);
    service.requireModel(resolved); // zero-shot needs the text tower: a model indexed but not loaded is a 409
    return { section, resolved, predicted: await predictions(section, resolved) };
  };

  app.openapi(annotation, async (c) => {
    const { predicted } = await annotate(c.req.valid('param').id, c.req.valid('query').model);
    const geojson = toGeoJson(predicted, await service.ontology());
    return c.json(geojson, 200, { 'content-type': 'application/geo+json' });
  });

  app.openapi(annotationTiles, async (c) => {
    const { section, resolved, predicted } = await annotate(c.req.valid('param').id, c.req.valid('query').model);
    const { neighbours, agreement, zeroShotFloor, placeWeight } = DEFAULT_ANNOTATION;
    return c.json(
      {
        section: section.id,
        model: resolved.index.model,
        width: section.width,
        height: section.height,
        method: { neighbours, agreement, zeroShotFloor, placeWeight },
        regions: summarize(predicted, await service.ontology()),
        tiles: predicted,
        againstAnnotation: scoreAgainstAnnotation(predicted),
      },
      200,
    );
  });

  app.openapi(why, async (c) => {
    const { id } = c.req.valid('param');
    const resolved = await service.resolveModel('tile', c.req.valid('query').model);
    const tile = (await service.items([id], 'tile')).get(id);
    const vector = tile ? await backend.vectors.get(resolved.index.collection, id) : null;
    if (!vector) throw notFound('tile', id);
    const model = service.requireModel(resolved);
    const answer = await descriptors.explain(model, vector);
    return c.json({ tile: id, model: resolved.index.model, ...answer, of: descriptors.size }, 200);
  });
}

/** The section's stored tiles with their vectors (a heatmap's listing: the filter names the section). */
async function sectionTiles(ctx: AppContext, section: SectionRecord, resolved: ResolvedModel): Promise<SectionTile[]> {
  const { collection } = resolved.index;
  const probe = new Float32Array(ctx.service.requireModel(resolved).info.embeddingDim);
  probe[0] = 1; // any unit vector: only the listing matters
  const hits = await ctx.backend.vectors.scoreAll(collection, probe, { sections: [section.id] });
  const items = await ctx.service.items(
    hits.map((h) => h.id),
    'tile',
  );
  const tiles: SectionTile[] = [];
  for (const hit of hits) {
    const item = items.get(hit.id);
    const vector = item ? await ctx.backend.vectors.get(collection, hit.id) : null;
    if (item && vector) tiles.push({ item, vector });
  }
  // Row by row, as the section is read: the answer is stable whatever order the store scored them in.
  return tiles.sort((a, b) => a.item.bbox[1] - b.item.bbox[1] || a.item.bbox[0] - b.item.bbox[0]);
}
