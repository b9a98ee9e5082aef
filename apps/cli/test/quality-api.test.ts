import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestAtlas } from '@cytoclip/ingest';
import { serve } from '@cytoclip/query';
import type { ClassifyAnswer, HeatmapAnswer, SearchResponse } from '@cytoclip/query/api-types';
import { REPO_ROOT, tinyAtlas } from '../../../test/support/index.js';
import { openPlatform, settingsFromEnv, type Platform } from '../src/platform.js';
import type { SearchEvalReport } from '../src/quality/report.js';
import type { QueryScore } from '../src/quality/score.js';
import { run } from './run.js';

// `cytoclip eval --api`, search --image, classify and heatmap on a real stack: the tiny atlas ingested with the fixture
// ONNX model (random weights: rankings are arbitrary, so figures are checked against the server's own answers and
// against what the catalog holds, never against relevance). In the tiny atlas (seed 7) on this model's grid, Br (the
// root) holds every tile, Pons and CbML a few, CGE none although the ontology has it.
let dataDir: string;
let platform: Platform;
let server: { url: string; close(): Promise<void> };
let queries: string;
const ATLAS = 'tiny-fetal-nissl';

async function search(body: Record<string, unknown>): Promise<SearchResponse> {
  const res = await fetch(`${server.url}/v1/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

/** What the atlas holds, read from the catalog: each region's own tiles, and the tiles of its subtree. */
async function catalogTruth() {
  const own = new Map<string, string[]>();
  for (const section of await platform.catalog.listSections(ATLAS))
    for (const tile of await platform.catalog.listTiles(ATLAS, section.id))
      if (tile.region) own.set(tile.region, [...(own.get(tile.region) ?? []), tile.id]);
  const paths = new Map((await platform.catalog.listRegions()).map((r) => [r.acronym, r.path]));
  const subtree = (acronym: string) =>
    [...own].filter(([region]) => paths.get(region)!.includes(acronym)).reduce((n, [, ids]) => n + ids.length, 0);
  return { own, subtree };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-cli-quality-'));
  const settings = settingsFromEnv({
    DATA_DIR: dataDir,
    CYTOCLIP_MODELS: join(REPO_ROOT, 'services/model/test/fixture-model'),
    CYTOCLIP_IMAGE_WORKERS: '1',
  });
  platform = await openPlatform(settings);
  const atlas = await tinyAtlas();
  const report = await ingestAtlas({
    atlas,
    catalog: platform.catalog,
    vectors: platform.vectors,
    models: platform.models,
    dataDir,
  });
  expect(report.status).toBe('complete');
  platform.api.service.invalidate();
  server = await serve(platform.api.app, { port: 0, host: '127.0.0.1' });
  queries = join(dataDir, 'queries.jsonl');
  const lines = [
    { text: 'any tissue of the brain', regions: ['Br'], split: 'dev', source: 'test' },
    { text: 'pontine nuclei', regions: ['Pons'], split: 'test', source: 'test' },
    { text: 'a region no atlas has', regions: ['NOPE'], split: 'test', source: 'test' },
    { text: 'caudal eminence or cerebellar molecular layer', regions: ['CGE', 'Pons', 'CbML'], split: 'dev' },
  ];
  await writeFile(queries, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}, 600_000);

afterAll(async () => {
  await server?.close();
  await platform?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('cytoclip eval --api on the tiny atlas', () => {
  let report: SearchEvalReport;

  beforeAll(async () => {
    const r = await run(['eval', '--queries', queries, '--api', server.url, '--json']);
    expect(r.code, r.err).toBe(0);
    report = JSON.parse(r.out) as SearchEvalReport;
  }, 300_000);

  it('scores each query: hits among the top 10 over what the atlas can give for its regions', async () => {
    const [all, pons, missing, mixed] = report.text!.perQuery;
    const { subtree } = await catalogTruth();
    expect(subtree('Pons') + subtree('CbML')).toBeLessThan(10);
    expect(subtree('CGE')).toBe(0);
    expect(all).toMatchObject({ precisionAt10: 1, attainable: 10, hits: 10, returned: 10, missingRegions: [] });
    expect(pons).toMatchObject({ attainable: subtree('Pons'), returned: 10, missingRegions: [] });
    expect(missing).toMatchObject({ precisionAt10: 0, attainable: 0, hits: 0, missingRegions: ['NOPE'] });
    expect(mixed).toMatchObject({ attainable: subtree('Pons') + subtree('CbML'), missingRegions: ['CGE'] });
    // The server's own top 10 for each text, judged by the hit rule, gives the same hits.
    for (const q of [pons!, mixed!]) {
      const top = await search({ query: { text: q.text }, limit: 10 });
      const hits = top.results.filter((r) => r.region!.path.some((a) => q.regions.includes(a))).length;
      expect(q.hits).toBe(hits);
      expect(q.precisionAt10).toBeCloseTo(hits / q.attainable, 12);
    }
    expect(report.text!.missingRegions).toEqual(['CGE', 'NOPE']);
    const mean = (qs: QueryScore[]) => qs.reduce((s, q) => s + q.precisionAt10, 0) / qs.length;
    expect(report.text!.precisionAt10).toBeCloseTo(mean(report.text!.perQuery), 12);
    expect(report.text!.perSplit.dev).toEqual({ n: 2, precisionAt10: mean([all!, mixed!]) });
    expect(report.text!.perSplit.test).toEqual({ n: 2, precisionAt10: mean([pons!, missing!]) });
    expect(report).toMatchObject({ model: 'cytoclip-tiny-random@1', target: 'tiles', retrieval: null });
  });

  it('scores find-similar on every region with ≥ 5 tiles, 5 seeded tiles each, itself left out', async () => {
    const similar = report.similar;
    const { own } = await catalogTruth();
    const eligible = [...own].filter(([, ids]) => ids.length >= 5).map(([a]) => a);
    expect(Object.keys(similar.byRegion).sort()).toEqual(eligible.sort());
    expect(similar.items).toBe([...own.values()].reduce((n, ids) => n + ids.length, 0));
    expect(similar).toMatchObject({ seed: 1, perRegion: 5, minItems: 5, k: 10 });
    for (const [region, figures] of Object.entries(similar.byRegion)) {
      expect(figures.items, region).toBe(own.get(region)!.length);
      expect(figures.queries.every((q) => own.get(region)!.includes(q.id))).toBe(true);
    }
    // Two regions re-scored by hand through tileId searches: one listed whole (Pu), one over several pages (IZ).
    for (const region of ['Pu', 'IZ']) {
      const figures = similar.byRegion[region]!;
      expect(figures.queries).toHaveLength(5);
      for (const q of figures.queries) {
        const found = (await search({ query: { tileId: q.id }, limit: 10, cutoff: 'none' })).results;
        expect(found.some((r) => r.id === q.id)).toBe(false); // the server leaves the query tile out
        expect(found).toHaveLength(10);
        expect(q.share).toBe(found.filter((r) => r.region!.path.includes(region)).length / 10);
      }
      expect(figures.share).toBeCloseTo(figures.queries.reduce((s, q) => s + q.share, 0) / 5, 12);
    }
    expect(similar.byRegion.Pu!.listed).toBe(similar.byRegion.Pu!.items);
    expect(similar.byRegion.IZ!.listed).toBeGreaterThan(0.95 * similar.byRegion.IZ!.items);
    const shares = Object.values(similar.byRegion).map((r) => r.share);
    expect(similar.macro).toBeCloseTo(shares.reduce((s, v) => s + v, 0) / shares.length, 12);
  });

  it('draws the same tiles again for the same seed, others for another, and scores one split alone', async () => {
    const again = JSON.parse((await run(['eval', '--api', server.url, '--json'])).out) as SearchEvalReport;
    expect(again.text).toBeNull();
    expect(again.similar.byRegion).toEqual(report.similar.byRegion);
    const other = JSON.parse(
      (await run(['eval', '--api', server.url, '--seed', '2', '--json'])).out,
    ) as SearchEvalReport;
    expect(other.similar.byRegion.IZ!.queries).not.toEqual(report.similar.byRegion.IZ!.queries);
    const test = await run(['eval', '--queries', queries, '--api', server.url, '--split', 'test', '--json']);
    const split = JSON.parse(test.out) as SearchEvalReport;
    expect(split.text!.perQuery.map((q) => q.split)).toEqual(['test', 'test']);
    expect(split.text!.precisionAt10).toBeCloseTo(report.text!.perSplit.test!.precisionAt10, 12);
    expect((await run(['eval', '--queries', queries, '--api', server.url, '--split', 'val'])).code).toBe(2);
  }, 120_000);

  it('prints a human summary without --json', async () => {
    const r = await run(['eval', '--queries', queries, '--api', server.url]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('text → image, 4 queries');
    expect(r.out).toContain('regions the atlas lacks (scored 0): CGE, NOPE');
    expect(r.out).toMatch(/find similar: macro \d\.\d{3} over \d+ regions/);
  });
});

describe('search, classify and heatmap through --api', () => {
  it('filters by --week -24 and --week 18-24 (the tiny atlas has 15, 22 and 31 GW)', async () => {
    const weeks = async (range: string) => {
      const r = await run(['search', 'cortex', '--week', range, '--limit', '50', '--api', server.url, '--json']);
      expect(r.code, r.err).toBe(0);
      return new Set((JSON.parse(r.out) as SearchResponse).results.map((x) => x.gestationalWeek));
    };
    expect(await weeks('-24')).toEqual(new Set([15, 22]));
    expect(await weeks('18-24')).toEqual(new Set([22]));
  });

  it('searches by an image file as the server ranks that image', async () => {
    const top = (await search({ query: { text: 'cortex' }, limit: 1 })).results[0]!;
    const png = Buffer.from(await (await fetch(`${server.url}/v1/tiles/${top.id}/image?format=png`)).arrayBuffer());
    const file = join(dataDir, 'tile.png');
    await writeFile(file, png);
    const r = await run(['search', '--image', file, '--limit', '5', '--api', server.url, '--json']);
    expect(r.code, r.err).toBe(0);
    const direct = await search({ query: { image: png.toString('base64') }, limit: 5 });
    expect((JSON.parse(r.out) as SearchResponse).results.map((x) => x.id)).toEqual(direct.results.map((x) => x.id));
    expect((await run(['search', 'cortex', '--image', file, '--api', server.url])).code).toBe(2);
    expect((await run(['search', '--image', join(dataDir, 'absent.png'), '--api', server.url])).code).toBe(2);
  });

  it('classifies an image file and draws a heatmap of a section', async () => {
    const top = (await search({ query: { text: 'cortex' }, limit: 1 })).results[0]!;
    const file = join(dataDir, 'tile.png');
    const classified = await run(['classify', file, '--top-k', '3', '--api', server.url, '--json']);
    expect(classified.code, classified.err).toBe(0);
    const answer = JSON.parse(classified.out) as ClassifyAnswer;
    expect(answer.zeroShot).toHaveLength(3);
    expect(answer.neighbours).toBe(25);
    const heat = await run(['heatmap', top.section, 'dense', 'cortical', 'plate', '--api', server.url, '--json']);
    expect(heat.code, heat.err).toBe(0);
    const map = JSON.parse(heat.out) as HeatmapAnswer;
    const inSection = await search({ query: { text: 'x' }, filter: { sections: [top.section] }, limit: 1 });
    expect(map.section).toBe(top.section);
    expect(map.tiles).toHaveLength(inSection.total);
    const human = await run(['heatmap', top.section, 'cortex', '--top', '3', '--api', server.url]);
    expect(
      human.out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('  ')),
    ).toHaveLength(3);
    expect((await run(['heatmap', 'no-such-section', 'cortex', '--api', server.url])).code).toBe(2);
  });
});
