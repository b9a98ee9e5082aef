import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOntology, importDharani } from '@cytoclip/atlas';
import { openCatalog, type Catalog, type TileInput } from '@cytoclip/catalog';
import { ingestAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { REPO_ROOT } from '../../../test/support/index.js';
import { dharaniBucket, FIXTURE, pyramidTiff, wholeCp, writeJson } from './dharani-fixture.js';

// Two atlases in one catalog and one vector store: DHARANI (its regions namespaced `dharani:…`, its cortical zones
// mapped onto the platform's tree by services/domain/ontologies/dharani-to-cytoclip.json) and a lab atlas keyed by the
// platform's own ontology. DHARANI's copy here holds a homonym: a region it calls "SP" that is the septum, not the
// platform's subplate. A filter on one atlas's acronym must never return the other's homonym.
const FIXTURE_MODEL = join(REPO_ROOT, 'services/model/test/fixture-model');
const COLLECTION = 'cytoclip-tiny-random_1';
const GRID = { micronsPerPixel: 2, size: 32 };
const SEPTUM_ID = 500;

/** The lab atlas: one coronal section, CP above the split, SP below, in the platform's ontology. */
async function labAtlas(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const [x0, y0, x1, y1] = FIXTURE.tissue;
  const mid = FIXTURE.split;
  const box = (a: number, b: number, c: number, d: number) => [
    [
      [a, b],
      [c, b],
      [c, d],
      [a, d],
      [a, b],
    ],
  ];
  const feature = (region: string, coordinates: unknown) => ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates },
    properties: { region, classification: { name: region } },
  });
  await pyramidTiff(join(dir, 'a.tif'), FIXTURE.width, FIXTURE.height, FIXTURE.tissue);
  await writeJson(join(dir, 'a.geojson'), {
    type: 'FeatureCollection',
    features: [feature('CP', box(x0, y0, x1, mid)), feature('SP', box(x0, mid, x1, y1))],
  });
  await writeJson(join(dir, 'ontology.json'), buildOntology());
  await writeJson(join(dir, 'atlas.json'), {
    format: 'cytoclip-atlas/1',
    name: 'lab',
    ontology: 'ontology.json',
    specimens: [{ id: 'L01', gestationalWeek: 20 }],
    sections: [
      {
        id: 'L01-cor-0001',
        specimen: 'L01',
        plane: 'coronal',
        index: 1,
        stain: 'nissl',
        image: 'a.tif',
        micronsPerPixel: 1,
        annotations: 'a.geojson',
      },
    ],
  });
  return dir;
}

/** DHARANI's bucket copy with a septum called "SP" and section 22 all septum. */
async function bucketWithHomonym(base: string): Promise<string> {
  const bucket = await dharaniBucket(base);
  const file = join(bucket, 'ontology/ontology.json');
  const envelope = JSON.parse(await readFile(file, 'utf8'));
  const brain = envelope.msg[0].children[0];
  brain.children.push({ id: SEPTUM_ID, acronym: 'SP', name: 'septum', color_hex_triplet: '336699', children: [] });
  await writeFile(file, JSON.stringify(envelope));
  const s1 = join(bucket, 'data2d/specimen_1');
  await pyramidTiff(join(s1, 'Specimen_1_22.tif'), FIXTURE.width, FIXTURE.height, FIXTURE.tissue);
  await writeJson(join(s1, 'Specimen_1_22.json'), wholeCp(SEPTUM_ID));
  return bucket;
}

describe('one ontology across atlases', () => {
  let base: string;
  let catalog: Catalog;
  let vectors: VectorStore;
  let model: CytoclipModel;
  let tiles: TileInput[];

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cytoclip-ontologies-'));
    const [dharani] = await importDharani(await bucketWithHomonym(base), { specimens: [1], roots: [base] });
    const lab = await labAtlas(join(base, 'lab'));
    const dataDir = join(base, 'data');
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
    for (const atlas of [dharani!.dir, lab]) {
      const report = await ingestAtlas({
        atlas,
        catalog,
        vectors,
        models: [model],
        dataDir,
        tileGrid: GRID,
        atlasRoots: [base],
      });
      expect(report.processed.failed).toBe(0);
    }
    tiles = [];
    for (const [atlas, sections] of [
      ['dharani-specimen-1', ['Specimen_1_10', 'Specimen_1_16', 'Specimen_1_22']],
      ['lab', ['L01-cor-0001']],
    ] as const)
      for (const section of sections) tiles.push(...(await catalog.listTiles(atlas, section)));
  }, 180_000);
  afterAll(async () => {
    await model?.close();
    await vectors?.close();
    await catalog?.close();
    await rm(base, { recursive: true, force: true });
  });

  const ids = (pick: (t: TileInput) => boolean) =>
    tiles
      .filter(pick)
      .map((t) => t.id)
      .sort();
  async function search(regions: string[]): Promise<string[]> {
    const [query] = await model.embedTexts(['the subplate']);
    const page = await vectors.search(COLLECTION, query!, { filter: { regions }, limit: 2000 });
    return page.hits.map((h) => h.id).sort();
  }

  it('keys each atlas’s regions in its own namespace', () => {
    const regions = new Set(tiles.map((t) => `${t.atlas} ${t.region}`));
    expect([...regions].sort()).toEqual([
      'dharani-specimen-1 dharani:CP-FCTx',
      'dharani-specimen-1 dharani:SP',
      'dharani-specimen-1 dharani:SP-FCTx',
      'lab CP',
      'lab SP',
    ]);
  });

  it('a platform region filter finds the regions mapped to it in every atlas, never a homonym', async () => {
    const subplate = await search(['SP']);
    expect(subplate).toEqual(ids((t) => t.region === 'SP' || t.region === 'dharani:SP-FCTx'));
    expect(subplate.length).toBeGreaterThan(0);
    const septum = new Set(ids((t) => t.region === 'dharani:SP'));
    expect(septum.size).toBe(60);
    expect(subplate.some((id) => septum.has(id))).toBe(false);
    expect(await search(['CP'])).toEqual(ids((t) => t.region === 'CP' || t.region === 'dharani:CP-FCTx'));
    // A parent of the platform's tree spans both atlases too.
    expect(await search(['CWall'])).toEqual(ids((t) => t.region !== 'dharani:SP'));
  });

  it('an atlas’s own acronym finds its own regions only (unmapped ones stay searchable under their names)', async () => {
    expect(await search(['dharani:SP'])).toEqual(ids((t) => t.region === 'dharani:SP'));
    expect(await search(['dharani:SP-FCTx'])).toEqual(ids((t) => t.region === 'dharani:SP-FCTx'));
    expect(await search(['dharani:Br'])).toEqual(ids((t) => t.atlas === 'dharani-specimen-1'));
  });

  it('summarises per region across atlases under each region’s own key', async () => {
    const [query] = await model.embedTexts(['the subplate']);
    const facets = await vectors.bestPerField(COLLECTION, query!, 'region', { regions: ['SP'] });
    expect(facets.map((f) => f.value).sort()).toEqual(['SP', 'dharani:SP-FCTx']);
  });
});
