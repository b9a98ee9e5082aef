import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog, type Catalog, type TileInput } from '@cytoclip/catalog';
import { DEFAULT_TILE_GRID, tileId, type AtlasManifest, type OntologyRegion, type Plane } from '@cytoclip/domain';
import { CytoclipModel } from '@cytoclip/model';
import { catalogPort, createApp, vectorsPort, type QueryConfig } from '@cytoclip/query';
import { openVectorStore, type VectorPoint, type VectorStore } from '@cytoclip/vectors';
import sharp from 'sharp';
import { REPO_ROOT } from '../../../test/support/index.js';

export const FIXTURE_MODEL = join(REPO_ROOT, 'services/model/test/fixture-model');
export const ONTOLOGY: OntologyRegion[] = [
  { id: 1, acronym: 'Br', name: 'brain', parent: null, description: 'the whole fetal brain', color: '#888888' },
  { id: 2, acronym: 'Tel', name: 'telencephalon', parent: 'Br', description: 'forebrain', color: '#999999' },
  {
    id: 3,
    acronym: 'CP',
    name: 'cortical plate',
    parent: 'Tel',
    description: 'dense radial columns',
    color: '#d62728',
  },
  { id: 4, acronym: 'SP', name: 'subplate', parent: 'Tel', description: 'sparse large neurons', color: '#2ca02c' },
  { id: 5, acronym: 'VZ', name: 'ventricular zone', parent: 'Br', description: 'packed progenitors', color: '#1f77b4' },
];
const ROWS = ['CP', 'SP', 'VZ', 'Br'];
const SHADES = [40, 110, 170, 230];
export const SECTIONS: { id: string; specimen: string; week: number; plane: Plane }[] = [
  { id: 'S01-cor-0001', specimen: 'S01', week: 16, plane: 'coronal' },
  { id: 'S01-sag-0001', specimen: 'S01', week: 16, plane: 'sagittal' },
  { id: 'S02-cor-0001', specimen: 'S02', week: 21, plane: 'coronal' },
];
const SIDE = 896;

/**
 * Opens the real parts under a fresh temp DATA_DIR, the way apps/cli's platform does: the catalog (PGlite, or
 * PostgreSQL at databaseUrl), the embedded vector store and the fixture ONNX model. `makeApp(config)` wires them into the
 * query API with catalogPort / vectorsPort; several apps (different configs) may share one stack.
 */
export async function openRealStack(options: { databaseUrl?: string; prefix?: string } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), options.prefix ?? 'cytoclip-query-real-'));
  const catalog = await openCatalog({ dataDir, databaseUrl: options.databaseUrl });
  const store = await openVectorStore({ dataDir });
  // Image workers as the CLI opens models, so uploads, classify and the stored embeddings all go through them.
  const model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1, imageWorkers: 2 });
  const ports = { catalog: catalogPort(catalog, store, dataDir), vectors: vectorsPort(store) };
  const makeApp = (config: Partial<QueryConfig> = {}) =>
    createApp({ ...ports, models: [model], config: { dataDir, atlasRoots: [dataDir], ...config } });
  const close = async () => {
    await model.close();
    await store.close();
    await catalog.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { dataDir, catalog, store, model, ports, makeApp, close };
}

/**
 * The real stack: PGlite catalog, embedded vector store and the fixture ONNX model, filled through their public
 * APIs the way ingest does (rows in the catalog, one point per tile embedded from the tile's own pixels).
 */
export async function buildRealBackend(options: { databaseUrl?: string } = {}) {
  const stack = await openRealStack(options);
  const { dataDir, catalog, store, model } = stack;
  const manifest: AtlasManifest = {
    format: 'cytoclip-atlas/1',
    name: 'tiny',
    ontology: 'ontology.json',
    specimens: [
      { id: 'S01', gestationalWeek: 16 },
      { id: 'S02', gestationalWeek: 21 },
    ],
    sections: SECTIONS.map((s) => ({
      id: s.id,
      specimen: s.specimen,
      plane: s.plane,
      index: 1,
      stain: 'nissl',
      image: `${s.id}.tif`,
      micronsPerPixel: 1,
      annotations: `${s.id}.geojson`,
    })),
  };
  await catalog.upsertOntology(ONTOLOGY);
  await catalog.upsertAtlas({ name: 'tiny', manifest, root: dataDir });
  await catalog.upsertSpecimens('tiny', manifest.specimens);
  const collection = 'cytoclip-tiny-random_1';
  await catalog.registerModel({
    name: 'cytoclip-tiny-random',
    version: '1',
    variant: 'tile',
    dim: model.info.embeddingDim,
    collection,
  });
  await store.ensureCollection(collection, { dim: model.info.embeddingDim });
  mkdirSync(join(dataDir, 'sections/tiny'), { recursive: true });
  for (const s of SECTIONS) await addSection(catalog, store, model, dataDir, collection, s, SECTIONS.indexOf(s));
  await store.flush();
  await recordEmbedded(catalog, 'tiny', 'cytoclip-tiny-random@1');
  await catalog.setModelStatus('cytoclip-tiny-random@1', 'complete');
  return { ...stack, ...stack.makeApp() };
}

/**
 * Records, through the ingest protocol, that `model` embedded every section of the atlas (its rows and points are
 * already written): what `/v1/models` counts to call a model complete.
 */
export async function recordEmbedded(catalog: Catalog, atlas: string, model: string): Promise<void> {
  const sections = await catalog.listSections(atlas);
  const run = await catalog.startRun(
    atlas,
    [model],
    sections.map((s) => s.id),
  );
  for (let job = await catalog.leaseJob(run.id, 'fixture', 60_000); job;) {
    const { gestationalWeek: _week, annotations, ...section } = (await catalog.getSection(job.section, atlas))!;
    await catalog.completeJob(job.id, 'fixture', { section, annotations, tiles: [], regionImages: [], points: [] });
    job = await catalog.leaseJob(run.id, 'fixture', 60_000);
  }
  await catalog.finishRun(run.id);
}

async function addSection(
  catalog: Catalog,
  store: VectorStore,
  model: CytoclipModel,
  dataDir: string,
  collection: string,
  s: (typeof SECTIONS)[number],
  n: number,
) {
  const imagePath = `sections/tiny/${s.id}.tif`;
  // Row r is painted SHADES[r], with a green level per column and section, so every tile has pixels of its own.
  const stripes = ROWS.flatMap((_, row) =>
    [0, 1, 2, 3].map((col) => ({
      input: {
        create: {
          width: 224,
          height: 224,
          channels: 3 as const,
          background: { r: SHADES[row]!, g: (col * 60 + n * 20) % 255, b: 255 - SHADES[row]! },
        },
      },
      left: col * 224,
      top: row * 224,
    })),
  );
  await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: '#ffffff' } })
    .composite(stripes)
    .tiff({ tile: true, pyramid: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' })
    .toFile(join(dataDir, imagePath));
  await catalog.upsertSection({
    atlas: 'tiny',
    id: s.id,
    specimen: s.specimen,
    plane: s.plane,
    index: 1,
    stain: 'nissl',
    micronsPerPixel: 1,
    width: SIDE,
    height: SIDE,
    levels: 3,
    imagePath,
  });
  await catalog.replaceAnnotations('tiny', s.id, [
    {
      region: 'CP',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [SIDE, 0],
            [SIDE, 224],
            [0, 224],
            [0, 0],
          ],
        ],
      },
    },
  ]);
  const tiles: TileInput[] = [];
  for (let row = 0; row < 4; row++)
    for (let col = 0; col < 4; col++) {
      const x = col * 224;
      const y = row * 224;
      tiles.push({
        id: tileId('tiny', s.id, DEFAULT_TILE_GRID, x, y),
        atlas: 'tiny',
        section: s.id,
        x,
        y,
        size: 224,
        level0Size: 224,
        micronsPerPixel: 1,
        region: ROWS[row]!,
        regionFraction: 1,
        tissueFraction: 1,
      });
    }
  await catalog.insertTiles(tiles);
  const crops = await Promise.all(
    tiles.map((t) =>
      sharp(join(dataDir, imagePath)).extract({ left: t.x, top: t.y, width: 224, height: 224 }).png().toBuffer(),
    ),
  );
  const vectors = await model.embedImages(crops);
  const paths: Record<string, string[]> = {
    CP: ['Br', 'Tel', 'CP'],
    SP: ['Br', 'Tel', 'SP'],
    VZ: ['Br', 'VZ'],
    Br: ['Br'],
  };
  const points: VectorPoint[] = tiles.map((t, i) => ({
    id: t.id,
    vector: vectors[i]!,
    payload: {
      kind: 'tile',
      atlas: 'tiny',
      specimen: s.specimen,
      section: s.id,
      plane: s.plane,
      gestationalWeek: s.week,
      region: t.region!,
      regionPath: paths[t.region!]!,
    },
  }));
  await store.upsert(collection, points);
}
