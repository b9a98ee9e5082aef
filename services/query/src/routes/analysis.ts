import { createRoute, z, type OpenAPIHono as Hono } from '@hono/zod-openapi';
import { CytoclipError, type SearchFilter } from '@cytoclip/domain';
import { checkUpload, decodeBase64Image } from '../images.js';
import { HeatmapAnswerSchema, TrajectoryAnswerSchema } from '../answers.js';
import { jsonOnly, notFound, type AppContext } from '../http.js';
import { embedUpload, modelNotes } from '../honesty.js';
import { checkId, idParam } from '../ids.js';
import { EMBEDDING_PROBLEMS, json, media, problems, READ_SECURITY, V1_PROBLEMS } from '../openapi.js';
import type { Hit, ItemRecord } from '../ports.js';
import { ClassifyAnswerSchema, ClassifySchema, HeatmapSchema, TrajectorySchema } from '../schemas.js';
import { uploadVerdict, variantOf } from '../search.js';

const costly = { tags: ['analysis'], security: READ_SECURITY };
const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
});
const classify = createRoute({
  ...costly,
  method: 'post',
  path: '/v1/classify',
  summary: "Most likely regions of an image: zero-shot over the model's labels and a vote of the nearest stored items",
  request: body(ClassifySchema),
  responses: { 200: json(ClassifyAnswerSchema, 'Regions, best first'), ...V1_PROBLEMS, ...EMBEDDING_PROBLEMS },
});

const card = createRoute({
  method: 'get',
  path: '/v1/models/{id}/card',
  summary: 'The model card of a loaded model (what it was trained on, its figures, what it cannot do)',
  tags: ['catalog'],
  security: READ_SECURITY,
  request: { params: z.object({ id: idParam('id', 'model id, name@version') }) },
  responses: { 200: media(['text/markdown'], 'MODEL_CARD.md'), ...V1_PROBLEMS, ...problems(404) },
});

const heatmap = createRoute({
  ...costly,
  method: 'post',
  path: '/v1/heatmap',
  summary: "A query's score (text, image or tile) for every stored tile of a section (tiles are never re-embedded)",
  request: body(HeatmapSchema),
  responses: { 200: json(HeatmapAnswerSchema, 'A score per tile'), ...V1_PROBLEMS, ...EMBEDDING_PROBLEMS },
});

const trajectory = createRoute({
  ...costly,
  method: 'post',
  path: '/v1/trajectory',
  summary: "A query's best, median and mean-of-top-k score per gestational week (weeks with data only, ascending)",
  request: body(TrajectorySchema),
  responses: { 200: json(TrajectoryAnswerSchema, 'Weeks'), ...V1_PROBLEMS, ...EMBEDDING_PROBLEMS },
});

export function analysisRoutes(app: Hono, ctx: AppContext): void {
  const { service, backend, config } = ctx;

  // Zero-shot over the model's labels (calibrated temperature; per-tile probabilities averaged over an upload's
  // tiles), and a vote of the nearest stored tiles (or region images) to the upload's mean embedding.
  app.openapi({ ...classify, middleware: [jsonOnly] }, async (c) => {
    const started = performance.now();
    const request = c.req.valid('json');
    const bytes = decodeBase64Image(request.image, 'image');
    await checkUpload(bytes, config.maxImagePixels, 'image');
    const target = request.target ?? (await targetOfModel(ctx, request.model));
    const resolved = await service.resolveModel(variantOf(target), request.model);
    const model = service.requireModel(resolved);
    const ontology = await service.ontology();
    const filter = await service.storeFilter(request.filter);
    const collection = resolved.index.collection;
    const upload = await embedUpload(
      bytes,
      model,
      { collection, vectors: backend.vectors },
      { micronsPerPixel: request.micronsPerPixel, maxPixels: config.maxImagePixels },
    );
    const perTile = await Promise.all(upload.vectors.map((v) => model.zeroShotClassify(v)));
    const zeroShot = averageProbabilities(perTile).slice(0, request.topK);
    const { hits } = await backend.vectors.search(collection, upload.mean, {
      filter,
      limit: request.neighbours,
      offset: 0,
    });
    const items = await service.items(
      hits.map((h) => h.id),
      target === 'tiles' ? 'tile' : 'region',
    );
    const named = (acronym: string) => ({ acronym, name: ontology.get(acronym)?.name ?? acronym });
    const temperature = model.info.calibration?.classify.temperature ?? null;
    return c.json(
      {
        model: resolved.index.model,
        target,
        zeroShot: zeroShot.map((z) => ({ region: named(z.acronym), score: z.probability })),
        temperature: { value: temperature ?? 1, calibrated: temperature !== null },
        vote: vote(hits, items)
          .map((v) => ({ region: named(v.acronym), share: v.share, count: v.count }))
          .slice(0, request.topK),
        neighbours: hits.length,
        ...modelNotes(resolved.model, resolved.index.model),
        ...uploadVerdict(upload),
        tookMs: Math.round(performance.now() - started),
      },
      200,
    );
  });

  // The model card of a loaded model (what it was trained on, its figures, what it cannot do), as Markdown.
  app.openapi(card, async (c) => {
    const { id } = c.req.valid('param');
    const model = backend.models.find((m) => m.info.id === id);
    const card = model?.modelCard ? await model.modelCard() : null;
    if (!card) throw notFound('model card of', id);
    return c.body(card, 200, { 'content-type': 'text/markdown; charset=utf-8' });
  });

  // A score per stored tile of one section: the query is embedded once, the tiles never are.
  app.openapi({ ...heatmap, middleware: [jsonOnly] }, async (c) => {
    const request = c.req.valid('json');
    const section = await backend.catalog.section(checkId(request.section, 'section'));
    if (!section) throw notFound('section', request.section);
    const resolved = await service.resolveModel('tile', request.model);
    const { vector, unknownWords } = await service.queryVector(request.query, resolved, 'tiles', {
      micronsPerPixel: request.micronsPerPixel,
    });
    const hits = await backend.vectors.scoreAll(resolved.index.collection, vector, { sections: [section.id] });
    const items = await service.items(
      hits.map((h) => h.id),
      'tile',
    );
    const tiles = hits.flatMap((h) => {
      const item = items.get(h.id);
      return item ? [{ id: h.id, bbox: item.bbox, score: h.score }] : [];
    });
    const scores = tiles.map((t) => t.score);
    return c.json(
      {
        section: section.id,
        width: section.width,
        height: section.height,
        model: resolved.index.model,
        min: scores.length ? Math.min(...scores) : null,
        max: scores.length ? Math.max(...scores) : null,
        tiles,
        unknownWords,
      },
      200,
    );
  });

  // Best and median score per gestational week for a query, over everything the filter admits.
  app.openapi({ ...trajectory, middleware: [jsonOnly] }, async (c) => {
    const request = c.req.valid('json');
    const resolved = await service.resolveModel(variantOf(request.target), request.model);
    const filter = await service.storeFilter(request.filter);
    const { vector, unknownWords } = await service.queryVector(request.query, resolved, request.target);
    const collection = resolved.index.collection;
    if (backend.vectors.weekSummary) {
      const weeks = (await backend.vectors.weekSummary(collection, vector, filter)).sort(
        (a, b) => a.gestationalWeek - b.gestationalWeek,
      );
      return c.json(
        {
          model: resolved.index.model,
          weeks: await withTopMean(ctx, collection, vector, filter, weeks),
          unknownWords,
          topK: TOP_K,
        },
        200,
      );
    }
    const matching = await backend.vectors.count(collection, filter);
    if (matching > config.maxScoreAll) {
      throw new CytoclipError(
        'too_many_items',
        `the filter admits ${matching} items; narrow it to at most ${config.maxScoreAll}`,
        { status: 422, detail: { field: 'filter', message: 'too broad' } },
      );
    }
    const weeks = await weeksOf(ctx, await backend.vectors.scoreAll(collection, vector, filter));
    return c.json(
      {
        model: resolved.index.model,
        weeks: await withTopMean(ctx, collection, vector, filter, weeks),
        unknownWords,
        topK: TOP_K,
      },
      200,
    );
  });
}

/** How many of a week's best items its `topMean` averages. */
export const TOP_K = 10;

/**
 * Each week's mean score of its TOP_K best items: unlike the maximum, it does not climb with how many tiles an age
 * happens to have. Read in one grouped top-k query where the store has one (bounded: never every score), else one
 * top-k search per week with the week added to the filter.
 */
async function withTopMean<W extends { gestationalWeek: number }>(
  ctx: AppContext,
  collection: string,
  vector: Float32Array,
  filter: SearchFilter,
  weeks: W[],
): Promise<(W & { topMean: number })[]> {
  if (ctx.backend.vectors.topPerWeek) {
    const tops = await ctx.backend.vectors.topPerWeek(collection, vector, filter, TOP_K);
    const means = new Map(
      tops.map((t) => [t.gestationalWeek, t.hits.reduce((s, h) => s + h.score, 0) / t.hits.length]),
    );
    return weeks.map((week) => ({ ...week, topMean: means.get(week.gestationalWeek) ?? 0 }));
  }
  return Promise.all(
    weeks.map(async (week) => {
      const gestationalWeek = { gte: week.gestationalWeek, lte: week.gestationalWeek };
      const { hits } = await ctx.backend.vectors.search(collection, vector, {
        filter: { ...filter, gestationalWeek },
        limit: TOP_K,
        offset: 0,
      });
      const topMean = hits.length ? hits.reduce((s, h) => s + h.score, 0) / hits.length : 0;
      return { ...week, topMean };
    }),
  );
}

async function weeksOf(ctx: AppContext, hits: Hit[]) {
  const missing = hits.filter((h) => h.payload?.gestationalWeek === undefined).map((h) => h.id);
  const items = missing.length ? await ctx.service.items(missing) : new Map();
  const groups = new Map<number, { scores: number[]; bestId: string; best: number }>();
  for (const hit of hits) {
    const week = hit.payload?.gestationalWeek ?? items.get(hit.id)?.gestationalWeek;
    if (week === undefined) continue;
    const g = groups.get(week) ?? { scores: [], bestId: hit.id, best: -Infinity };
    g.scores.push(hit.score);
    if (hit.score > g.best) Object.assign(g, { best: hit.score, bestId: hit.id });
    groups.set(week, g);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([gestationalWeek, g]) => ({
      gestationalWeek,
      best: g.best,
      median: median(g.scores),
      count: g.scores.length,
      bestId: g.bestId,
    }));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Classify's default target: the variant of the model asked for (a region model means regions), else tiles. */
async function targetOfModel(ctx: AppContext, model: string | undefined): Promise<'tiles' | 'regions'> {
  if (!model) return 'tiles';
  const indexes = await ctx.service.modelIndexes();
  const variant =
    indexes.find((i) => i.model === model)?.variant ??
    ctx.backend.models.find((m) => m.info.id === model)?.info.variant;
  return variant === 'region' ? 'regions' : 'tiles';
}

/** Per-region mean of the tiles' probabilities (a region missing from one tile's list counts 0 there), best first. */
export function averageProbabilities(perTile: { acronym: string; probability: number }[][]) {
  const sums = new Map<string, number>();
  for (const tile of perTile) for (const r of tile) sums.set(r.acronym, (sums.get(r.acronym) ?? 0) + r.probability);
  return [...sums.entries()]
    .map(([acronym, sum]) => ({ acronym, probability: sum / perTile.length }))
    .sort((a, b) => b.probability - a.probability);
}

/** Similarity-weighted shares of the neighbours' regions. */
function vote(hits: Hit[], items: Map<string, ItemRecord>) {
  const votes = new Map<string, { weight: number; count: number }>();
  for (const hit of hits) {
    const region = items.get(hit.id)?.region;
    if (!region) continue;
    const v = votes.get(region) ?? { weight: 0, count: 0 };
    v.weight += Math.max(0, hit.score);
    v.count += 1;
    votes.set(region, v);
  }
  const total = [...votes.values()].reduce((s, v) => s + v.weight, 0) || 1;
  return [...votes.entries()]
    .map(([acronym, v]) => ({ acronym, share: v.weight / total, count: v.count }))
    .sort((a, b) => b.share - a.share);
}
