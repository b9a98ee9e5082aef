import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDharani, type ImportedAtlas } from '@cytoclip/atlas';
import { openCatalog, type Catalog, type TileInput } from '@cytoclip/catalog';
import { ingestAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { REPO_ROOT } from '../../../test/support/index.js';
import { dharaniBucket, FIXTURE } from './dharani-fixture.js';

const FIXTURE_MODEL = join(REPO_ROOT, 'services/model/test/fixture-model');
const COLLECTION = 'cytoclip-tiny-random_1';
/**
 * 32-px tiles at 2 µm/px (the bundled tile model's scale): 64 level-0 px on the annotated 1 µm/px sections, 96 grid
 * places each; 16 level-0 px on the unannotated 4 µm/px section 13, which is upsampled 2× (the most allowed).
 */
const GRID = { micronsPerPixel: 2, size: 32 };

describe('a DHARANI import through ingest to a region-filtered search', () => {
  let base: string;
  let atlas: ImportedAtlas;
  let catalog: Catalog;
  let vectors: VectorStore;
  let model: CytoclipModel;
  let tiles: TileInput[];

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cytoclip-dharani-ingest-'));
    [atlas] = (await importDharani(await dharaniBucket(base), { specimens: [1], roots: [base] })) as [ImportedAtlas];
    const dataDir = join(base, 'data');
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
    const report = await ingestAtlas({
      atlas: atlas.dir,
      catalog,
      vectors,
      models: [model],
      dataDir,
      tileGrid: GRID,
      atlasRoots: [base],
    });
    expect(report).toMatchObject({ atlas: 'dharani-specimen-1', status: 'complete', processed: { failed: 0 } });
    expect(report.processed.done).toBe(3);
    tiles = [
      ...(await catalog.listTiles('dharani-specimen-1', 'Specimen_1_10')),
      ...(await catalog.listTiles('dharani-specimen-1', 'Specimen_1_13')),
      ...(await catalog.listTiles('dharani-specimen-1', 'Specimen_1_16')),
    ];
  });
  afterAll(async () => {
    await model?.close();
    await vectors?.close();
    await catalog?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('labels the tiles of section 10 by the converted polygons: CP above the split, SP below', () => {
    const s10 = tiles.filter((t) => t.section === 'Specimen_1_10');
    const cp = s10.filter((t) => t.region === 'dharani:CP-FCTx');
    const sp = s10.filter((t) => t.region === 'dharani:SP-FCTx');
    // Tissue rows 64–256 are CP: 10 columns × 3 rows of 64 px.
    expect(cp).toHaveLength(30);
    for (const t of cp) expect(t.y + t.level0Size).toBeLessThanOrEqual(FIXTURE.split);
    expect(sp.length).toBeGreaterThan(4);
    for (const t of sp) expect(t.y).toBeGreaterThanOrEqual(FIXTURE.split);
  });

  it('tiles the unannotated 4 µm/px section upsampled 2×, every tissue tile with region null', () => {
    const s13 = tiles.filter((t) => t.section === 'Specimen_1_13');
    // Its tissue [16, 16, 176, 112] at 4 µm/px: 10 × 6 tiles of 16 level-0 px (32 px at 2 µm/px).
    expect(s13).toHaveLength(60);
    for (const t of s13) expect(t).toMatchObject({ region: null, level0Size: 16, micronsPerPixel: 2 });
    // Upsampled: the tile's µm/px is finer than its section's (4), which the catalog keeps beside it.
    expect(tiles.filter((t) => t.section !== 'Specimen_1_13').every((t) => t.region !== null)).toBe(true);
  });

  async function search(regions?: string[]): Promise<string[]> {
    const [query] = await model.embedTexts(['a NISSL-stained image of the cortical plate']);
    const page = await vectors.search(COLLECTION, query!, {
      filter: { atlases: ['dharani-specimen-1'], ...(regions ? { regions } : {}) },
      limit: 1000,
    });
    return page.hits.map((h) => h.id).sort();
  }

  it('finds the unannotated tiles unfiltered (region null) and never under a region filter', async () => {
    const unannotated = tiles.filter((t) => t.region === null).map((t) => t.id);
    const all = await search();
    expect(all).toEqual(tiles.map((t) => t.id).sort());
    const stored = await vectors.get(COLLECTION, unannotated.slice(0, 3));
    for (const p of stored) expect(p.payload).toMatchObject({ region: null, regionPath: [], section: 'Specimen_1_13' });
    expect(await search(['dharani:Br'])).toEqual(
      tiles
        .filter((t) => t.region !== null)
        .map((t) => t.id)
        .sort(),
    );
  });

  it('a region filter returns exactly that region’s tiles, and a parent filter its subtree', async () => {
    const ids = (pick: (t: TileInput) => boolean) =>
      tiles
        .filter(pick)
        .map((t) => t.id)
        .sort();
    const cp = ids((t) => t.region === 'dharani:CP-FCTx');
    expect(cp.length).toBe(30 + 60); // section 16 is all CP: 10 × 6 tissue tiles
    expect(await search(['dharani:CP-FCTx'])).toEqual(cp);
    expect(await search(['dharani:SP-FCTx'])).toEqual(ids((t) => t.region === 'dharani:SP-FCTx'));
    expect(await search(['dharani:CTX'])).toEqual(
      ids((t) => t.region === 'dharani:CP-FCTx' || t.region === 'dharani:SP-FCTx'),
    );
    expect(await search(['dharani:TH'])).toEqual([]);
  });
});

describe('a DHARANI section coarser than the tile model allows', () => {
  it('fails the unannotated 4 µm/px section as section_too_coarse under a 1 µm/px model; the rest ingests', async () => {
    const base = await mkdtemp(join(tmpdir(), 'cytoclip-dharani-coarse-'));
    const dataDir = join(base, 'data');
    const catalog = await openCatalog({ dataDir });
    const vectors = await openVectorStore({ dataDir });
    const model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
    try {
      const [atlas] = (await importDharani(await dharaniBucket(base), { specimens: [1], roots: [base] })) as [
        ImportedAtlas,
      ];
      // 4 µm/px against 1 µm/px is 4×, over MAX_TILE_UPSAMPLE (2×); unannotated, so no region images either.
      const report = await ingestAtlas({
        atlas: atlas.dir,
        catalog,
        vectors,
        models: [model],
        dataDir,
        tileGrid: { micronsPerPixel: 1, size: 64 },
        atlasRoots: [base],
      });
      expect(report.processed).toMatchObject({ done: 2, failed: 1 });
      expect(report.progress.failures).toEqual([
        expect.objectContaining({
          section: 'Specimen_1_13',
          error: expect.objectContaining({ code: 'section_too_coarse' }),
        }),
      ]);
      expect(await catalog.listTiles('dharani-specimen-1', 'Specimen_1_13')).toEqual([]);
    } finally {
      await model.close();
      await vectors.close();
      await catalog.close();
      await rm(base, { recursive: true, force: true });
    }
  });
});
