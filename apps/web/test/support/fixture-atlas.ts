import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tileId, type OntologyRegion, type Plane } from '@cytoclip/domain';
import { createApp, OntologyIndex } from '@cytoclip/query';
import sharp from 'sharp';
import { MemoryCatalog, MemoryVectors, normalise, wordModel } from './memory-ports.js';

/**
 * A small synthetic fetal-brain atlas behind the real query app: layered ellipses of NISSL-like texture with their
 * polygons, five specimens from 14 to 30 GW (gaps in between), three planes. For developing the UI without the
 * real stores; the end-to-end suite prefers the real atlas + ingest pipeline where it exists.
 */
export const ONTOLOGY: OntologyRegion[] = [
  { id: 1, acronym: 'Tel', name: 'telencephalon', parent: null, description: 'forebrain', color: '#8c8c8c' },
  { id: 2, acronym: 'Pal', name: 'pallium', parent: 'Tel', description: 'dorsal telencephalon', color: '#6a51a3' },
  { id: 3, acronym: 'CP', name: 'cortical plate', parent: 'Pal', description: 'layered cortex dense granular cells', color: '#d7301f' },
  { id: 4, acronym: 'SP', name: 'subplate', parent: 'Pal', description: 'sparse large neurons wide neuropil', color: '#fc8d59' },
  { id: 5, acronym: 'IZ', name: 'intermediate zone', parent: 'Pal', description: 'fibres migrating cells pale', color: '#fdcc8a' },
  { id: 6, acronym: 'SVZ', name: 'subventricular zone', parent: 'Pal', description: 'proliferative outer progenitors', color: '#74a9cf' },
  { id: 7, acronym: 'VZ', name: 'ventricular zone', parent: 'Pal', description: 'packed radial progenitors ventricle', color: '#0570b0' },
  { id: 8, acronym: 'GE', name: 'ganglionic eminence', parent: 'Tel', description: 'subpallial eminence interneuron source', color: '#238b45' },
];
/** Outer normalised radius of each band, outside in. */
const BANDS: [string, number, string][] = [
  ['CP', 1.0, '#5b3f8a'],
  ['SP', 0.88, '#c9bfe0'],
  ['IZ', 0.76, '#e4def0'],
  ['SVZ', 0.62, '#8f7bb8'],
  ['VZ', 0.52, '#4a2f78'],
  ['GE', 0.42, '#7d68a8'],
];
export const SPECIMENS = [
  { id: 'S01', week: 14 },
  { id: 'S02', week: 17 },
  { id: 'S03', week: 21 },
  { id: 'S04', week: 24 },
  { id: 'S05', week: 30 },
];
export const MODEL = 'fixture-words@1';
const DIM = ONTOLOGY.length;
const [W, H, T] = [1792, 1344, 224];

function random(seed: number) {
  return () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
}

const ellipse = (r: number, rx: number, ry: number, n = 72): [number, number][] =>
  Array.from({ length: n + 1 }, (_, i) => [Math.round(W / 2 + r * rx * Math.cos((2 * Math.PI * i) / n)), Math.round(H / 2 + r * ry * Math.sin((2 * Math.PI * i) / n))]);

async function sectionImage(path: string, rx: number, ry: number, seed: number) {
  const rand = random(seed);
  const bands = BANDS.map(([, r, fill]) => `<ellipse cx="${W / 2}" cy="${H / 2}" rx="${r * rx}" ry="${r * ry}" fill="${fill}"/>`).join('');
  const cells = Array.from({ length: 2500 }, () => {
    const a = rand() * Math.PI * 2, r = Math.sqrt(rand());
    return `<circle cx="${(W / 2 + r * rx * Math.cos(a)).toFixed(1)}" cy="${(H / 2 + r * ry * Math.sin(a)).toFixed(1)}" r="${(1.5 + rand() * 3).toFixed(1)}" fill="#2d1b4e" opacity="0.7"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="#f4f1f7"/>${bands}${cells}</svg>`;
  await sharp(Buffer.from(svg)).tiff({ tile: true, pyramid: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' }).toFile(path);
}

function annotations(rx: number, ry: number) {
  return {
    type: 'FeatureCollection',
    features: BANDS.map(([region, r], i) => ({
      type: 'Feature',
      properties: { classification: { name: region } },
      geometry: { type: 'Polygon', coordinates: BANDS[i + 1] ? [ellipse(r, rx, ry), ellipse(BANDS[i + 1]![1], rx, ry).reverse()] : [ellipse(r, rx, ry)] },
    })),
  };
}

function bandAt(x: number, y: number, rx: number, ry: number): string | null {
  const r = Math.hypot((x - W / 2) / rx, (y - H / 2) / ry);
  if (r > 1.02) return null;
  let region = 'CP';
  for (const [name, outer] of BANDS) if (r <= outer) region = name;
  return region;
}

export async function buildFixtureApp(options: { staticDir?: string | null } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cytoclip-web-fixture-'));
  mkdirSync(join(dir, 'sections'));
  const catalog = new MemoryCatalog(ONTOLOGY);
  const ontology = new OntologyIndex(ONTOLOGY);
  const vectors = new MemoryVectors(catalog, (r) => ontology.expand([r]));
  const basis = new Map(ONTOLOGY.map((r, i) => [r.acronym, Float32Array.from({ length: DIM }, (_, j) => (j === i ? 1 : 0))]));
  const shapes: Record<Plane, [number, number]> = { coronal: [800, 600], sagittal: [840, 520], axial: [700, 620] };
  for (const [plane, [rx, ry]] of Object.entries(shapes) as [Plane, [number, number]][]) await sectionImage(join(dir, 'sections', `${plane}.tif`), rx, ry, plane.length * 97);
  const rand = random(7);
  for (const specimen of SPECIMENS) {
    for (const plane of ['coronal', 'sagittal', 'axial'] as Plane[]) {
      if (plane === 'axial' && specimen.week !== 21) continue;
      const [rx, ry] = shapes[plane];
      const id = `${specimen.id}-${plane.slice(0, 3)}-0040`;
      catalog.sections.set(id, {
        id, atlas: 'fixture-fetal-nissl', specimen: specimen.id, gestationalWeek: specimen.week, plane, index: 40, stain: 'nissl',
        micronsPerPixel: 1, width: W, height: H, imagePath: join(dir, 'sections', `${plane}.tif`), annotations: annotations(rx, ry),
      });
      const maturity = (specimen.week - 12) / 20;
      for (let y = 0; y + T <= H; y += T) {
        for (let x = 0; x + T <= W; x += T) {
          const region = bandAt(x + T / 2, y + T / 2, rx, ry);
          if (!region) continue;
          const tile = tileId('fixture-fetal-nissl', id, { micronsPerPixel: 1, size: T }, x, y);
          catalog.itemsById.set(tile, { id: tile, kind: 'tile', atlas: 'fixture-fetal-nissl', section: id, specimen: specimen.id, gestationalWeek: specimen.week, plane, region, regionShare: 0.9, bbox: [x, y, T, T] });
          // The cortical plate matures with age: its direction strengthens, so trajectories have a shape.
          const strength = region === 'CP' ? 0.4 + maturity : 1;
          const v = Float32Array.from({ length: DIM }, () => (rand() - 0.5) * 0.6);
          v[ONTOLOGY.findIndex((r) => r.acronym === region)]! += strength;
          vectors.vectors.set(tile, normalise(v));
        }
      }
    }
  }
  catalog.indexes = [{ model: MODEL, variant: 'tile', collection: `${MODEL}/tile`, complete: true, items: vectors.vectors.size, completedAt: '2026-01-01T00:00:00Z' }];
  const model = wordModel(MODEL, ONTOLOGY, basis, DIM);
  const built = createApp({ catalog, vectors, models: [model], config: { dataDir: dir, atlasRoots: [], staticDir: options.staticDir ?? null } });
  return { ...built, dir, tiles: vectors.vectors.size };
}
