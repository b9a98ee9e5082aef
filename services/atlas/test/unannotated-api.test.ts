import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDharani } from '@cytoclip/atlas';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { ingestAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { catalogPort, createApp, vectorsPort } from '@cytoclip/query';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { REPO_ROOT } from '../../../test/support/index.js';
import { dharaniBucket } from './dharani-fixture.js';

// DHARANI's layout (annotated 1 µm/px sections and an unannotated 4 µm/px one) imported, ingested at 2 µm/px and
// served: the unannotated section's tiles come back with `region: null`, and their images and section are viewable.
const FIXTURE_MODEL = join(REPO_ROOT, 'services/model/test/fixture-model');
const ATLAS = 'dharani-specimen-1';

describe('unannotated tiles through the API', () => {
  let base: string;
  let catalog: Catalog;
  let vectors: VectorStore;
  let model: CytoclipModel;
  let app: ReturnType<typeof createApp>['app'];

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'cytoclip-unannotated-api-'));
    const [atlas] = await importDharani(await dharaniBucket(base), { specimens: [1], roots: [base] });
    const dataDir = join(base, 'data');
    catalog = await openCatalog({ dataDir });
    vectors = await openVectorStore({ dataDir });
    model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
    const report = await ingestAtlas({
      atlas: atlas!.dir,
      catalog,
      vectors,
      models: [model],
      dataDir,
      tileGrid: { micronsPerPixel: 2, size: 32 },
      atlasRoots: [base],
    });
    expect(report.processed).toMatchObject({ done: 3, failed: 0 });
    ({ app } = createApp({
      catalog: catalogPort(catalog, vectors, dataDir),
      vectors: vectorsPort(vectors),
      models: [model],
      config: { dataDir, atlasRoots: [] },
    }));
  }, 120_000);
  afterAll(async () => {
    await model?.close();
    await vectors?.close();
    await catalog?.close();
    await rm(base, { recursive: true, force: true });
  });

  async function search(body: Record<string, unknown>) {
    const res = await app.request('/v1/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { text: 'cortical plate' }, cutoff: 'none', limit: 200, ...body }),
    });
    return { status: res.status, json: await res.json() };
  }

  it('returns the unannotated section’s tiles with region null, in dense and hybrid retrieval', async () => {
    for (const retrieval of ['dense', 'hybrid']) {
      const r = await search({ retrieval, filter: { sections: ['Specimen_1_13'] } });
      expect(r.status).toBe(200);
      expect(r.json.results).toHaveLength(60);
      for (const hit of r.json.results) expect(hit).toMatchObject({ region: null, section: 'Specimen_1_13' });
      expect(r.json.notices.map((n: { code: string }) => n.code)).not.toContain('lexical_index_partial');
    }
  });

  it('keeps them out of a region filter, and serves their image and their section', async () => {
    const filtered = await search({ retrieval: 'dense', filter: { regions: ['dharani:CP-FCTx'] } });
    expect(filtered.json.results.length).toBeGreaterThan(0);
    expect(filtered.json.results.some((h: { region: unknown }) => h.region === null)).toBe(false);
    const [hit] = (await search({ retrieval: 'dense', filter: { sections: ['Specimen_1_13'] } })).json.results;
    const image = await app.request(hit.imageUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toMatch(/^image\//);
    const section = await app.request(`/v1/sections/Specimen_1_13?atlas=${ATLAS}`);
    expect(section.status).toBe(200);
    expect(await section.json()).toMatchObject({ id: 'Specimen_1_13', micronsPerPixel: 4 });
  });
});
