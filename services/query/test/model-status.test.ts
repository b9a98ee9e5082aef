import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '@cytoclip/catalog';
import { ingestAtlas } from '@cytoclip/ingest';
import { CytoclipModel } from '@cytoclip/model';
import { catalogPort, createApp, vectorsPort } from '@cytoclip/query';
import { openVectorStore, type VectorStore } from '@cytoclip/vectors';
import { tinyAtlas } from '../../../test/support/index.js';
import { FIXTURE_MODEL } from './real-backend.js';

interface ModelsBody {
  models: { id: string; indexes: { complete: boolean; sections: { done: number; total: number } }[] }[];
}

// `complete` is what a client trusts to mean the index answers for every ingested atlas: it must not stay true while
// a newly added atlas is only partly in.
describe('GET /v1/models while an atlas is partly ingested', () => {
  let dataDir: string;
  let catalog: Catalog;
  let store: VectorStore;
  let model: CytoclipModel;
  let app: ReturnType<typeof createApp>['app'];
  const ingest = (atlas: string, signal?: AbortSignal) =>
    ingestAtlas({
      atlas,
      catalog,
      vectors: store,
      models: [model],
      dataDir,
      tileGrid: { micronsPerPixel: 2, size: 64 },
      ...(signal ? { signal } : {}),
    });
  const index = async () => {
    const body = (await (await app.request('/v1/models')).json()) as ModelsBody;
    return body.models[0]!.indexes[0]!;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cytoclip-model-status-'));
    catalog = await openCatalog({ dataDir });
    store = await openVectorStore({ dataDir });
    model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
    ({ app } = createApp({
      catalog: catalogPort(catalog, store, dataDir),
      vectors: vectorsPort(store),
      models: [model],
      config: { dataDir, atlasRoots: [dataDir] },
    }));
  });
  afterAll(async () => {
    await model?.close();
    await store?.close();
    await catalog?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('says complete only when every section of every ingested atlas is in, and how far it is', async () => {
    await ingest(await tinyAtlas());
    expect(await index()).toMatchObject({ complete: true, sections: { done: 5, total: 5 } });

    // A second atlas, stopped before any section of it is in.
    const second = join(dataDir, 'second');
    await cp(await tinyAtlas(), second, { recursive: true });
    const manifest = JSON.parse(await readFile(join(second, 'atlas.json'), 'utf8'));
    await writeFile(join(second, 'atlas.json'), JSON.stringify({ ...manifest, name: 'tiny-second' }));
    const stop = new AbortController();
    stop.abort();
    expect(await ingest(second, stop.signal)).toMatchObject({ interrupted: true, processed: { done: 0 } });
    expect(await index()).toMatchObject({ complete: false, sections: { done: 5, total: 10 } });

    expect(await ingest(second)).toMatchObject({ status: 'complete', processed: { done: 5 } });
    expect(await index()).toMatchObject({ complete: true, sections: { done: 10, total: 10 } });
  });
});
