import type { OpenAPIHono as Hono } from '@hono/zod-openapi';
import { CytoclipError } from '@cytoclip/domain';
import { checkUpload, decodeBase64Image } from '../images.js';
import { jsonBody, notFound, type AppContext } from '../http.js';
import { checkId } from '../ids.js';
import type { Hit } from '../ports.js';
import { ClassifySchema, HeatmapSchema, TrajectorySchema } from '../schemas.js';
import { variantOf } from '../search.js';

export function analysisRoutes(app: Hono, ctx: AppContext): void {
  const { service, backend, config } = ctx;

  // Zero-shot over the model's ontology, and a vote of the nearest stored tiles (or region images) weighted by similarity.
  app.post('/v1/classify', async (c) => {
    const started = performance.now();
    const request = await jsonBody(c, ClassifySchema);
    const bytes = decodeBase64Image(request.image, 'image');
    await checkUpload(bytes, config.maxImagePixels, 'image');
    const resolved = await service.resolveModel(variantOf(request.target), request.model);
    const model = service.requireModel(resolved);
    const ontology = await service.ontology();
    const filter = await service.storeFilter(request.filter);
    const [vector] = await model.embedImages([bytes]);
    const zeroShot = (await model.zeroShotClassify(vector!)).slice(0, request.topK);
    const { hits } = await backend.vectors.search(resolved.index.collection, vector!, {
      filter,
      limit: request.neighbours,
      offset: 0,
    });
    const items = await service.items(
      hits.map((h) => h.id),
      request.target === 'tiles' ? 'tile' : 'region',
    );
    const votes = new Map<string, { weight: number; count: number }>();
    for (const hit of hits) {
      const region = items.get(hit.id)?.region;
      if (!region) continue;
      const v = votes.get(region) ?? { weight: 0, count: 0 };
      v.weight += Math.max(0, hit.score);
      v.count += 1;
      votes.set(region, v);
    }
    const totalWeight = [...votes.values()].reduce((s, v) => s + v.weight, 0) || 1;
    const named = (acronym: string) => ({ acronym, name: ontology.get(acronym)?.name ?? acronym });
    return c.json({
      model: resolved.index.model,
      zeroShot: zeroShot.map((z) => ({ region: named(z.acronym), score: z.probability })),
      vote: [...votes.entries()]
        .map(([acronym, v]) => ({ region: named(acronym), share: v.weight / totalWeight, count: v.count }))
        .sort((a, b) => b.share - a.share)
        .slice(0, request.topK),
      neighbours: hits.length,
      tookMs: Math.round(performance.now() - started),
    });
  });

  // A score per stored tile of one section: the text is embedded once, the tiles never are.
  app.post('/v1/heatmap', async (c) => {
    const request = await jsonBody(c, HeatmapSchema);
    const section = await backend.catalog.section(checkId(request.section, 'section'));
    if (!section) throw notFound('section', request.section);
    const resolved = await service.resolveModel('tile', request.model);
    const { vector, unknownWords } = await service.queryVector({ text: request.query.text }, resolved, 'tiles');
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
    return c.json({
      section: section.id,
      width: section.width,
      height: section.height,
      model: resolved.index.model,
      min: scores.length ? Math.min(...scores) : null,
      max: scores.length ? Math.max(...scores) : null,
      tiles,
      unknownWords,
    });
  });

  // Best and median score per gestational week for a query, over everything the filter admits.
  app.post('/v1/trajectory', async (c) => {
    const request = await jsonBody(c, TrajectorySchema);
    const resolved = await service.resolveModel(variantOf(request.target), request.model);
    const filter = await service.storeFilter(request.filter);
    const { vector, unknownWords } = await service.queryVector(request.query, resolved, request.target);
    const collection = resolved.index.collection;
    if (backend.vectors.weekSummary) {
      const weeks = (await backend.vectors.weekSummary(collection, vector, filter)).sort(
        (a, b) => a.gestationalWeek - b.gestationalWeek,
      );
      return c.json({ model: resolved.index.model, weeks, unknownWords });
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
    return c.json({ model: resolved.index.model, weeks, unknownWords });
  });
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
