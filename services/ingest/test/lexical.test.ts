import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { AnnotationText, lexicalQuery, loadThesaurus } from '@cytoclip/domain';
import { ingestAtlas, reindexLexical } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { openModels, TEST_GRID, tinyAtlas } from './helpers.js';

const TILE = 'cytoclip-tiny-random_1';
const REGION = 'cytoclip-tiny-random-region_1';

describe('lexical vectors at ingest and by reindex', () => {
  let dataDir: string;
  let catalog: Catalog;
  let vectors: VectorStore;
  let models: CytoclipModel[];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-lexical-'));
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    models = await openModels();
    await ingestAtlas({ catalog, vectors, models, dataDir, tileGrid: TEST_GRID, atlas: await tinyAtlas() });
  });
  afterAll(async () => {
    await Promise.all(models?.map((m) => m.close()) ?? []);
    await vectors?.close();
    await catalog?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("gives every tile and region image the lexical vector of its region's annotation text at its age", async () => {
    for (const collection of [TILE, REGION]) {
      const { points, lexical } = await vectors.lexicalCoverage(collection);
      expect(points).toBeGreaterThan(10);
      expect(lexical).toBe(points);
    }
    const text = new AnnotationText(await catalog.listRegions(), loadThesaurus());
    const [tile] = await catalog.listTiles('tiny-fetal-nissl', 'T02-cor-0045');
    const [point] = await vectors.get(TILE, [tile!.id], true);
    expect(point!.lexical).toEqual(text.vector(point!.payload.region, point!.payload.gestationalWeek));
  });

  it('finds the tiles of a region by its synonyms', async () => {
    const probe = (
      await vectors.get(TILE, [(await catalog.listTiles('tiny-fetal-nissl', 'T02-cor-0045'))[0]!.id], true)
    )[0]!;
    const hits = await vectors.searchLexical(TILE, lexicalQuery('ventricular zone'), {
      limit: 20,
      vector: probe.vector!,
    });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]!.payload.region).toBe('VZ');
  });

  it('reindex gives data ingested before lexical vectors its vectors, and a second run writes nothing', async () => {
    // Old data: the same points, stored without lexical vectors.
    const tiles = await catalog.listTiles('tiny-fetal-nissl', 'T02-cor-0045');
    const before = await vectors.get(
      TILE,
      tiles.map((t) => t.id),
      true,
    );
    const stripped = (await vectors.lexicalCoverage(TILE)).points;
    const all = await vectors.scoreAll(TILE, before[0]!.vector!, {});
    const old = await vectors.get(
      TILE,
      all.map((h) => h.id),
      true,
    );
    await vectors.upsert(
      TILE,
      old.map((p) => ({ id: p.id, vector: p.vector!, payload: p.payload })),
    );
    expect(await vectors.lexicalCoverage(TILE)).toEqual({ points: stripped, lexical: 0 });

    const [first] = await reindexLexical({ catalog, vectors, models: ['cytoclip-tiny-random@1'] });
    expect(first).toMatchObject({ collection: TILE, points: stripped, updated: stripped, unchanged: 0 });
    expect(first!.coverage).toEqual({ points: stripped, lexical: stripped });
    const after = await vectors.get(
      TILE,
      tiles.map((t) => t.id),
      true,
    );
    expect(after.map((p) => p.lexical)).toEqual(before.map((p) => p.lexical));

    const again = await reindexLexical({ catalog, vectors });
    expect(again.map((r) => r.collection).sort()).toEqual([REGION, TILE].sort());
    expect(again.map((r) => r.updated)).toEqual([0, 0]);
    await expect(reindexLexical({ catalog, vectors, models: ['nope@1'] })).rejects.toMatchObject({
      code: 'unknown_model',
    });
  });
});
