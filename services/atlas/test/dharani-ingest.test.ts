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
/** 64-px tiles at the annotated sections' own 1 µm/px: no resize, 96 grid places per section. */
const GRID = { micronsPerPixel: 1, size: 64 };

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
    expect(report.processed.done).toBe(2);
    tiles = [
      ...(await catalog.listTiles('dharani-specimen-1', 'Specimen_1_10')),
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
    const cp = s10.filter((t) => t.region === 'CP-FCTx');
    const sp = s10.filter((t) => t.region === 'SP-FCTx');
    // Tissue rows 64–256 are CP: 10 columns × 3 rows of 64 px.
    expect(cp).toHaveLength(30);
    for (const t of cp) expect(t.y + t.level0Size).toBeLessThanOrEqual(FIXTURE.split);
    expect(sp.length).toBeGreaterThan(4);
    for (const t of sp) expect(t.y).toBeGreaterThanOrEqual(FIXTURE.split);
  });

  async function search(regions: string[]): Promise<string[]> {
    const [query] = await model.embedTexts(['a NISSL-stained image of the cortical plate']);
    const page = await vectors.search(COLLECTION, query!, {
      filter: { atlases: ['dharani-specimen-1'], regions },
      limit: 1000,
    });
    return page.hits.map((h) => h.id).sort();
  }

  it('a region filter returns exactly that region’s tiles, and a parent filter its subtree', async () => {
    const ids = (pick: (t: TileInput) => boolean) =>
      tiles
        .filter(pick)
        .map((t) => t.id)
        .sort();
    const cp = ids((t) => t.region === 'CP-FCTx');
    expect(cp.length).toBe(30 + 60); // section 16 is all CP: 10 × 6 tissue tiles
    expect(await search(['CP-FCTx'])).toEqual(cp);
    expect(await search(['SP-FCTx'])).toEqual(ids((t) => t.region === 'SP-FCTx'));
    expect(await search(['CTX'])).toEqual(ids((t) => t.region === 'CP-FCTx' || t.region === 'SP-FCTx'));
    expect(await search(['TH'])).toEqual([]);
  });
});
