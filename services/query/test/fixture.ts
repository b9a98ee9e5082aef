import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tileId, type OntologyRegion, type Plane } from '@cytoclip/domain';
import { createApp, type QueryConfig } from '@cytoclip/query';
import sharp from 'sharp';
import { MemoryCatalog, MemoryVectors, normalise, wordModel } from './memory-backend.js';

export const ONTOLOGY: OntologyRegion[] = [
  { id: 1, acronym: 'Tel', name: 'telencephalon', parent: null, description: '', color: '#888888' },
  { id: 2, acronym: 'Pal', name: 'pallium', parent: 'Tel', description: '', color: '#999999' },
  { id: 3, acronym: 'CP', name: 'cortical plate', parent: 'Pal', description: 'dense granular layer', color: '#ff0000' },
  { id: 4, acronym: 'SP', name: 'subplate', parent: 'Pal', description: 'sparse cells', color: '#00ff00' },
  { id: 5, acronym: 'GE', name: 'ganglionic eminence', parent: 'Tel', description: 'proliferative', color: '#0000ff' },
];
const ROW_REGION = ['CP', 'SP', 'GE', null] as const;
export const SPECIMENS = [
  { id: 'S01', week: 16 },
  { id: 'S02', week: 21 },
  { id: 'S03', week: 30 },
];
export const PLANES_USED: Plane[] = ['coronal', 'sagittal'];
export const MODEL = 'word-tile@1';
const DIM = 8;
const GRID = { micronsPerPixel: 1, size: 224 };
const SIDE = 896;

/** 3 specimens × 2 planes = 6 sections of 4×4 tiles (96 tiles); row r of every section is region ROW_REGION[r]. */
export async function buildFixture(config: Partial<QueryConfig> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-query-'));
  const catalog = new MemoryCatalog(ONTOLOGY);
  const vectors = new MemoryVectors(catalog);
  const basis = new Map<string, Float32Array>(ONTOLOGY.map((r, i) => [r.acronym, Float32Array.from({ length: DIM }, (_, j) => (j === i ? 1 : 0))]));
  const imagePath = join(dir, 'section.tif');
  // One real pyramidal tiled TIFF shared by all sections: enough to prove tile cuts and Deep Zoom reads.
  await sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: { r: 200, g: 180, b: 220 } } })
    .composite([{ input: { create: { width: 224, height: 224, channels: 3, background: { r: 20, g: 20, b: 90 } } }, left: 224, top: 0 }])
    .tiff({ tile: true, pyramid: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' })
    .toFile(imagePath);
  let seed = 1;
  for (const specimen of SPECIMENS) {
    for (const plane of PLANES_USED) {
      const section = `${specimen.id}-${plane.slice(0, 3)}-0001`;
      catalog.sectionsById.set(section, {
        id: section, atlas: 'tiny', specimen: specimen.id, gestationalWeek: specimen.week, plane, index: 1, stain: 'nissl',
        micronsPerPixel: 1, width: SIDE, height: SIDE, imagePath, annotations: { type: 'FeatureCollection', features: [] },
      });
      for (let row = 0; row < 4; row++) {
        for (let col = 0; col < 4; col++) {
          const id = tileId('tiny', section, GRID, col * 224, row * 224);
          const region = ROW_REGION[row] ?? null;
          catalog.itemsById.set(id, {
            id, kind: 'tile', atlas: 'tiny', section, specimen: specimen.id, gestationalWeek: specimen.week, plane, region,
            bbox: [col * 224, row * 224, 224, 224],
          });
          const v = Float32Array.from({ length: DIM }, (_, j) => 0.05 * Math.sin(seed++ * (j + 1)));
          if (region) v[ONTOLOGY.findIndex((r) => r.acronym === region)]! += 1;
          vectors.upsert('word-tile@1/tile', id, normalise(v));
        }
      }
    }
  }
  catalog.indexes = [{ model: MODEL, variant: 'tile', collection: 'word-tile@1/tile', complete: true, items: 96, completedAt: '2026-01-01T00:00:00Z' }];
  const model = wordModel(MODEL, ONTOLOGY, basis, DIM);
  const built = createApp({ catalog, vectors, models: [model], config: { dataDir: dir, atlasRoots: [join(dir, 'atlases')], ...config } });
  return { ...built, catalog, vectors, dir };
}

export async function post(app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', json };
}
