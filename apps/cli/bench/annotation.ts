// npm run bench:annotation [-- --out docs/relevance/annotation-<date>.json] — auto-annotation against the ground truth
// of every section in DATA_DIR (the demo atlas after `npm start`): per section, the tiles' predicted regions
// (GET /v1/sections/{id}/annotation/tiles: kNN over OTHER sections' tiles, else zero-shot) scored against the
// region the section's own annotation gives each tile — macro-F1 over the regions in either, and accuracy.
// `--variants '{"name": {"neighbours": 15, "zeroShot": false}, …}'` also scores other settings of the method
// (@cytoclip/query AnnotationSettings) in process, the same way, and reports them beside the default.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  DEFAULT_ANNOTATION,
  predictSection,
  scoreAgainstAnnotation,
  vectorsPort,
  type AnnotationSettings,
} from '@cytoclip/query';
import { openPlatform, settingsFromEnv, type Platform } from '../src/platform.js';

interface TilesAnswer {
  model: string;
  tiles: { method: 'knn' | 'zero-shot' }[];
  method: { neighbours: number; agreement: number };
  againstAnnotation: { tiles: number; accuracy: number; macroF1: number } | null;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/** Every section's macro-F1 and accuracy under other settings, predicted in process as the route predicts. */
async function scoreVariants(platform: Platform, variants: Record<string, Partial<AnnotationSettings>>) {
  const { service } = platform.api;
  const resolved = await service.resolveModel('tile');
  const collection = resolved.index.collection;
  const sections = [];
  for (const atlas of await platform.catalog.listAtlases())
    for (const section of await platform.catalog.listSections(atlas.name)) {
      const ids = (await platform.catalog.listTiles(atlas.name, section.id)).map((t) => t.id);
      const items = await service.items(ids, 'tile');
      const points = await platform.vectors.get(collection, ids, true);
      sections.push(points.flatMap((p) => (items.has(p.id) ? [{ item: items.get(p.id)!, vector: p.vector! }] : [])));
    }
  const options = {
    vectors: vectorsPort(platform.vectors),
    collection,
    model: resolved.model,
    items: (ids: string[]) => service.items(ids, 'tile'),
  };
  const out: Record<string, unknown> = {};
  for (const [name, variant] of Object.entries(variants)) {
    const settings = { ...DEFAULT_ANNOTATION, ...variant };
    const scores = [];
    for (const tiles of sections) {
      const scored = scoreAgainstAnnotation(await predictSection(tiles, options, settings));
      if (scored) scores.push(scored);
    }
    out[name] = {
      settings,
      macroF1: round(mean(scores.map((s) => s.macroF1))),
      accuracy: round(mean(scores.map((s) => s.accuracy))),
    };
    process.stderr.write(`${name}: macro-F1 ${JSON.stringify(out[name])}\n`);
  }
  return out;
}

const { values } = parseArgs({ options: { out: { type: 'string' }, variants: { type: 'string' } } });
const settings = settingsFromEnv();
const platform = await openPlatform(settings, { config: { logLevel: 'silent', readKey: null, rateLimit: 0 } });
try {
  const sections: Record<string, unknown>[] = [];
  let model = '';
  let method: TilesAnswer['method'] | null = null;
  const started = performance.now();
  for (const atlas of await platform.catalog.listAtlases()) {
    for (const section of await platform.catalog.listSections(atlas.name)) {
      const t0 = performance.now();
      const res = await platform.api.app.request(`/v1/sections/${encodeURIComponent(section.id)}/annotation/tiles`);
      if (!res.ok) throw new Error(`${section.id}: ${res.status} ${await res.text()}`);
      const a = (await res.json()) as TilesAnswer;
      ({ model, method } = a);
      if (!a.againstAnnotation) continue;
      const knn = a.tiles.filter((t) => t.method === 'knn').length;
      sections.push({
        atlas: atlas.name,
        section: section.id,
        tiles: a.againstAnnotation.tiles,
        macroF1: round(a.againstAnnotation.macroF1),
        accuracy: round(a.againstAnnotation.accuracy),
        knnShare: round(knn / (a.tiles.length || 1)),
        ms: Math.round(performance.now() - t0),
      });
      process.stderr.write(`${section.id}: macro-F1 ${a.againstAnnotation.macroF1.toFixed(3)}\n`);
    }
  }
  const f1s = sections.map((s) => s.macroF1 as number);
  const report = {
    format: 'cytoclip-annotation-eval/1',
    measuredAt: new Date().toISOString(),
    dataDir: settings.dataDir,
    model,
    method,
    sections: sections.length,
    macroF1: {
      mean: round(mean(f1s)),
      median: round([...f1s].sort((a, b) => a - b)[f1s.length >> 1] ?? 0),
      min: round(Math.min(...f1s)),
      atLeast0_8: sections.filter((s) => (s.macroF1 as number) >= 0.8).length,
    },
    accuracy: round(mean(sections.map((s) => s.accuracy as number))),
    seconds: round((performance.now() - started) / 1000),
    ...(values.variants ? { variants: await scoreVariants(platform, JSON.parse(values.variants)) } : {}),
    perSection: sections,
  };
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (values.out) await writeFile(values.out, text);
  process.stdout.write(text);
} finally {
  await platform.close();
}
