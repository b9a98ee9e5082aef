import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { CytoclipError } from '@cytoclip/domain';
import { ingestAtlas, type IngestProgress } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { atlasCopy, FIXTURE_MODEL, openModels, TEST_GRID, tinyAtlas, withVersion } from './helpers.js';

const TILE = 'cytoclip-tiny-random_1';
const REGION = 'cytoclip-tiny-random-region_1';

describe('ingestAtlas on the embedded catalog and vector store', () => {
  let dataDir: string;
  let atlasDir: string;
  let catalog: Catalog;
  let vectors: VectorStore;
  let models: CytoclipModel[];
  const base = () => ({ catalog, vectors, models, dataDir, tileGrid: TEST_GRID });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-ingest-'));
    atlasDir = await tinyAtlas();
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    models = await openModels();
  });
  afterAll(async () => {
    await Promise.all(models?.map((m) => m.close()) ?? []);
    await vectors?.close();
    await catalog?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('embeds every tile and region image of every section into both stores, exactly once', async () => {
    const events: IngestProgress[] = [];
    const report = await ingestAtlas({ ...base(), atlas: atlasDir, onProgress: (e) => events.push(e) });
    expect(report).toMatchObject({ atlas: 'tiny-fetal-nissl', status: 'complete', processed: { done: 5, failed: 0 } });
    const tiles = await catalog.countTiles({ atlas: 'tiny-fetal-nissl' });
    const regionImages = await catalog.countRegionImages({ atlas: 'tiny-fetal-nissl' });
    expect(tiles).toBeGreaterThan(100);
    expect(regionImages).toBeGreaterThan(10);
    expect(await vectors.count(TILE)).toBe(tiles);
    expect(await vectors.count(REGION)).toBe(regionImages);
    expect(report.indexed).toBe(tiles + regionImages);
    expect(await catalog.countOutbox()).toBe(0);
    expect((await catalog.listModels()).map((m) => [m.id, m.status])).toEqual([
      ['cytoclip-tiny-random@1', 'complete'],
      ['cytoclip-tiny-random-region@1', 'complete'],
    ]);
    expect(events.filter((e) => e.state === 'section-done').length).toBe(5);
    expect(events.at(-1)!.state).toBe('finished');
  });

  it('refuses a bad sectionsInFlight before it starts a run', async () => {
    const runs = (await catalog.listRuns()).length;
    await expect(ingestAtlas({ ...base(), atlas: atlasDir, sectionsInFlight: 0 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect((await catalog.listRuns()).length).toBe(runs);
  });

  it('stores what the query API shows: section image copy, annotations, tile metadata and payloads', async () => {
    const section = (await catalog.getSection('T02-cor-0045'))!;
    expect(section).toMatchObject({
      plane: 'coronal',
      gestationalWeek: 22,
      // Named by the image's content (the first 16 hex digits of its SHA-256): a changed image is cut anew.
      imagePath: expect.stringMatching(/^sections\/tiny-fetal-nissl\/T02-cor-0045-[0-9a-f]{16}\.tif$/),
    });
    expect(existsSync(join(dataDir, section.imagePath))).toBe(true);
    expect(section.annotations.length).toBeGreaterThan(0);
    expect(['Polygon', 'MultiPolygon']).toContain(section.annotations[0]!.geometry.type);
    const [tile] = await catalog.listTiles('tiny-fetal-nissl', 'T02-cor-0045');
    const [point] = await vectors.get(TILE, [tile!.id], true);
    expect(point!.payload).toMatchObject({
      kind: 'tile',
      section: 'T02-cor-0045',
      specimen: 'T02',
      gestationalWeek: 22,
      plane: 'coronal',
      region: tile!.region,
    });
    expect(point!.payload.regionPath.at(-1)).toBe(tile!.region);
    expect(point!.payload.regionPath[0]).toBe('Br');
    const detail = (await catalog.getTile(tile!.id))!;
    expect(detail.level0Size).toBe(64);
    // The stored vector is the model's embedding of the tile's pixels: searching with it finds the tile first.
    const { hits } = await vectors.search(TILE, point!.vector!, { limit: 1 });
    expect(hits[0]!.id).toBe(tile!.id);
    expect(hits[0]!.score).toBeCloseTo(1, 4);
  });

  it('changes nothing when the same atlas is ingested again', async () => {
    const before = [await catalog.countTiles(), await vectors.count(TILE), await vectors.count(REGION)];
    const report = await ingestAtlas({ ...base(), atlas: atlasDir });
    expect(report.status).toBe('complete');
    expect(report.processed).toEqual({ done: 0, failed: 0, tiles: 0 });
    expect(report.progress.jobs.total).toBe(0);
    expect([await catalog.countTiles(), await vectors.count(TILE), await vectors.count(REGION)]).toEqual(before);
  });

  it('indexes a new model into its own collection; the old one stays complete and searchable meanwhile', async () => {
    const v2 = await CytoclipModel.open(await withVersion(FIXTURE_MODEL, '2'), { intraOpNumThreads: 1 });
    const seen: string[] = [];
    const report = await ingestAtlas({
      ...base(),
      models: [v2],
      atlas: atlasDir,
      onProgress: async (e) => {
        if (e.state !== 'section-done' || seen.length > 0) return;
        const statuses = Object.fromEntries((await catalog.listModels()).map((m) => [m.id, m.status]));
        seen.push(JSON.stringify(statuses));
      },
    });
    await v2.close();
    expect(report.processed.done).toBe(5);
    await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(seen[0]!)).toMatchObject({
      'cytoclip-tiny-random@1': 'complete',
      'cytoclip-tiny-random@2': 'indexing',
    });
    expect((await catalog.getModel('cytoclip-tiny-random@2'))!.status).toBe('complete');
    expect(await vectors.count('cytoclip-tiny-random_2')).toBe(await vectors.count(TILE));
  });

  it('refuses an atlas whose manifest or ontology is wrong before writing anything', async () => {
    const broken = await atlasCopy(atlasDir);
    const manifest = JSON.parse(await readFile(join(broken, 'atlas.json'), 'utf8'));
    await writeFile(
      join(broken, 'atlas.json'),
      JSON.stringify({ ...manifest, name: 'broken', format: 'cytoclip-atlas/9' }),
    );
    await expect(ingestAtlas({ ...base(), atlas: broken })).rejects.toMatchObject({ code: 'unsupported_format' });
    await writeFile(
      join(broken, 'atlas.json'),
      JSON.stringify({ ...manifest, name: 'broken', ontology: 'missing.json' }),
    );
    await expect(ingestAtlas({ ...base(), atlas: broken })).rejects.toMatchObject({ code: 'atlas_file_missing' });
    const badSection = { ...manifest.sections[0], specimen: 'nobody' };
    await writeFile(
      join(broken, 'atlas.json'),
      JSON.stringify({ ...manifest, name: 'broken', sections: [badSection] }),
    );
    await expect(ingestAtlas({ ...base(), atlas: broken })).rejects.toBeInstanceOf(CytoclipError);
    expect((await catalog.listAtlases()).map((a) => a.name)).toEqual(['tiny-fetal-nissl']);
  });

  it('fails bad sections alone, each with a clear recorded error, leaving nothing of them in either store', async () => {
    const dir = await atlasCopy(atlasDir);
    const manifest = JSON.parse(await readFile(join(dir, 'atlas.json'), 'utf8'));
    manifest.name = 'tiny-broken';
    const [corrupt, unknownRegion, badGeometry, missing, good] = manifest.sections.map((s: { id: string }) => s.id);
    await truncate(join(dir, `sections/${corrupt}.tif`), 3000);
    const geo = (id: string) => join(dir, `sections/${id}.geojson`);
    const relabel = JSON.parse(await readFile(geo(unknownRegion), 'utf8'));
    relabel.features[0].properties = { classification: { name: 'Hippogriff' } };
    await writeFile(geo(unknownRegion), JSON.stringify(relabel));
    const open = JSON.parse(await readFile(geo(badGeometry), 'utf8'));
    open.features[0].geometry = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [10, 10],
        ],
      ],
    };
    await writeFile(geo(badGeometry), JSON.stringify(open));
    await rm(join(dir, `sections/${missing}.tif`));
    await writeFile(join(dir, 'atlas.json'), JSON.stringify(manifest));

    const report = await ingestAtlas({ ...base(), atlas: dir });
    expect(report.status).toBe('failed');
    expect(report.processed).toMatchObject({ done: 1, failed: 4 });
    const errors = Object.fromEntries(report.progress.failures.map((f) => [f.section, f.error.code]));
    expect(errors[unknownRegion]).toBe('unknown_region');
    expect(errors[badGeometry]).toBe('invalid_geometry');
    expect(errors[missing]).toBe('section_file_missing');
    expect(errors[corrupt]).toMatch(/invalid_image|image/);
    for (const id of [corrupt, unknownRegion, badGeometry, missing]) {
      expect(await catalog.getSection(id, 'tiny-broken')).toBeNull();
      expect(await catalog.countTiles({ atlas: 'tiny-broken', section: id })).toBe(0);
      expect(await vectors.count(TILE, { atlases: ['tiny-broken'], sections: [id] })).toBe(0);
      expect(existsSync(join(dataDir, 'sections/tiny-broken', `${id}.tif`))).toBe(false);
    }
    expect(await catalog.countTiles({ atlas: 'tiny-broken', section: good })).toBeGreaterThan(0);
    expect(await vectors.count(TILE, { atlases: ['tiny-broken'] })).toBe(
      await catalog.countTiles({ atlas: 'tiny-broken' }),
    );
  });

  it('refuses a section over the pixel limit from its header, alone', async () => {
    const report = await ingestAtlas({
      ...base(),
      atlas: atlasDir,
      models: [await CytoclipModel.open(await withVersion(FIXTURE_MODEL, '3'))],
      maxSectionPixels: 1_000_000,
    });
    const codes = report.progress.failures.map((f) => f.error.code);
    expect(codes.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['image_too_large']));
    expect(report.progress.failures[0]!.error.message).toMatch(/over the limit of 1000000/);
    expect(report.processed.done + report.processed.failed).toBe(5);
  });
});
