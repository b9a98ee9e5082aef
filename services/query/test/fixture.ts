import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TileInput } from '@cytoclip/catalog';
import { DEFAULT_TILE_GRID, tileId, type AtlasManifest, type OntologyRegion, type Plane } from '@cytoclip/domain';
import type { QueryConfig } from '@cytoclip/query';
import type { VectorPoint } from '@cytoclip/vectors';
import sharp from 'sharp';
import { openRealStack, recordEmbedded } from './real-backend.js';

export const ONTOLOGY: OntologyRegion[] = [
  { id: 1, acronym: 'Tel', name: 'telencephalon', parent: null, description: '', color: '#888888' },
  { id: 2, acronym: 'Pal', name: 'pallium', parent: 'Tel', description: '', color: '#999999' },
  {
    id: 3,
    acronym: 'CP',
    name: 'cortical plate',
    parent: 'Pal',
    description: 'dense granular layer',
    color: '#ff0000',
  },
  { id: 4, acronym: 'SP', name: 'subplate', parent: 'Pal', description: 'sparse cells', color: '#00ff00' },
  { id: 5, acronym: 'GE', name: 'ganglionic eminence', parent: 'Tel', description: 'proliferative', color: '#0000ff' },
];
/** Row r of every section lies in region ROW_REGION[r] (the last row only in the telencephalon itself). */
export const ROW_REGION = ['CP', 'SP', 'GE', 'Tel'] as const;
const PATHS: Record<string, string[]> = {
  CP: ['Tel', 'Pal', 'CP'],
  SP: ['Tel', 'Pal', 'SP'],
  GE: ['Tel', 'GE'],
  Tel: ['Tel'],
};
export const SPECIMENS = [
  { id: 'S01', week: 16 },
  { id: 'S02', week: 21 },
  { id: 'S03', week: 30 },
];
export const PLANES_USED: Plane[] = ['coronal', 'sagittal'];
/** The model service's fixture ONNX model (random weights: text queries are asserted for behaviour, never relevance). */
export const MODEL = 'cytoclip-tiny-random@1';
const COLLECTION = 'cytoclip-tiny-random_1';
const SIDE = 896;

export type Stack = Awaited<ReturnType<typeof openRealStack>>;
export interface FixtureData {
  stack: Stack;
  /** The 96 tile ids in insertion order (section by section, row by row). */
  tileIds: string[];
  tiles: Map<string, TileInput & { section: string }>;
}

let shared: Promise<FixtureData> | null = null;

/**
 * 3 specimens × 2 planes = 6 sections of 4×4 tiles (96 tiles); row r of every section is region ROW_REGION[r]. Real
 * parts: the PGlite catalog, the embedded vector store and the fixture ONNX model, filled through their public APIs.
 * A tile's vector is deterministic: one-hot on its region's axis plus a small per-tile wobble, so a tileId query ranks
 * the tiles of the same region first (scores ≈ 1) and every other tile near 0. Opened once per test file.
 */
export function fixtureData(): Promise<FixtureData> {
  shared ??= fill();
  return shared;
}

async function fill(): Promise<FixtureData> {
  const stack = await openRealStack({ prefix: 'cytoclip-query-' });
  const { catalog, store, model, dataDir } = stack;
  const dim = model.info.embeddingDim;
  const manifest: AtlasManifest = {
    format: 'cytoclip-atlas/1',
    name: 'tiny',
    ontology: 'ontology.json',
    specimens: SPECIMENS.map((s) => ({ id: s.id, gestationalWeek: s.week })),
    sections: SPECIMENS.flatMap((s) =>
      PLANES_USED.map((plane) => ({
        id: sectionId(s.id, plane),
        specimen: s.id,
        plane,
        index: 1,
        stain: 'nissl',
        image: 'section.tif',
        micronsPerPixel: 1,
        annotations: 'section.geojson',
      })),
    ),
  };
  await catalog.upsertOntology(ONTOLOGY);
  await catalog.upsertAtlas({ name: 'tiny', manifest, root: dataDir });
  await catalog.upsertSpecimens('tiny', manifest.specimens);
  await catalog.registerModel({
    name: 'cytoclip-tiny-random',
    version: '1',
    variant: 'tile',
    dim,
    collection: COLLECTION,
  });
  await store.ensureCollection(COLLECTION, { dim });
  // One real pyramidal tiled TIFF shared by all sections: enough to prove tile cuts and Deep Zoom reads.
  const imagePath = 'sections/tiny/section.tif';
  mkdirSync(join(dataDir, 'sections/tiny'), { recursive: true });
  await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: { r: 200, g: 180, b: 220 } } })
    .composite([
      {
        input: { create: { width: 224, height: 224, channels: 3, background: { r: 20, g: 20, b: 90 } } },
        left: 224,
        top: 0,
      },
    ])
    .tiff({ tile: true, pyramid: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' })
    .toFile(join(dataDir, imagePath));
  const tileIds: string[] = [];
  const tiles = new Map<string, TileInput & { section: string }>();
  let seed = 1;
  for (const specimen of SPECIMENS) {
    for (const plane of PLANES_USED) {
      const section = sectionId(specimen.id, plane);
      await catalog.upsertSection({
        atlas: 'tiny',
        id: section,
        specimen: specimen.id,
        plane,
        index: 1,
        stain: 'nissl',
        micronsPerPixel: 1,
        width: SIDE,
        height: SIDE,
        levels: 3,
        imagePath,
      });
      const rows: TileInput[] = [];
      const points: VectorPoint[] = [];
      for (let row = 0; row < 4; row++) {
        for (let col = 0; col < 4; col++) {
          const [x, y] = [col * 224, row * 224];
          const region = ROW_REGION[row]!;
          const id = tileId('tiny', section, DEFAULT_TILE_GRID, x, y);
          const tile = {
            id,
            atlas: 'tiny',
            section,
            x,
            y,
            size: 224,
            level0Size: 224,
            micronsPerPixel: 1,
            region,
            regionFraction: 1,
            tissueFraction: 1,
          };
          rows.push(tile);
          tiles.set(id, tile);
          tileIds.push(id);
          const v = Float32Array.from({ length: dim }, (_, j) => 0.05 * Math.sin(seed++ * (j + 1)));
          v[ONTOLOGY.findIndex((r) => r.acronym === region)]! += 1;
          points.push({
            id,
            vector: normalise(v),
            payload: {
              kind: 'tile',
              atlas: 'tiny',
              specimen: specimen.id,
              section,
              plane,
              gestationalWeek: specimen.week,
              region,
              regionPath: PATHS[region]!,
            },
          });
        }
      }
      await catalog.insertTiles(rows);
      await store.upsert(COLLECTION, points);
    }
  }
  await store.flush();
  await recordEmbedded(catalog, 'tiny', MODEL);
  await catalog.setModelStatus(MODEL, 'complete');
  return { stack, tileIds, tiles };
}

const sectionId = (specimen: string, plane: Plane) => `${specimen}-${plane.slice(0, 3)}-0001`;

/** The query API over the shared real stack, with this config. */
export async function buildFixture(config: Partial<QueryConfig> = {}) {
  const data = await fixtureData();
  const { stack } = data;
  const built = stack.makeApp({ atlasRoots: [join(stack.dataDir, 'atlases')], ...config });
  return { ...built, ...data, catalog: stack.ports.catalog, vectors: stack.ports.vectors, dir: stack.dataDir };
}

/** For afterAll: closes the shared stack (if one was opened) and removes its DATA_DIR. */
export async function closeFixture() {
  const data = shared;
  shared = null;
  if (data) await (await data).stack.close();
}

export function normalise(v: Float32Array): Float32Array {
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

export async function post(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', json };
}
