/**
 * npm run bench:slides — tiles/s for tiling + labelling + resize to model size on a large synthetic section.
 * Prints one JSON document. BENCH_SLIDES_EDGE sets the section edge in level-0 pixels (default 8192).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cutTiles, openSection, parseAnnotations, planTiles, type SectionImage, type TilePlan } from '@cytoclip/slides';

const EDGE = Number(process.env.BENCH_SLIDES_EDGE ?? 8192);
const ONTOLOGY = {
  format: 'cytoclip-ontology/1' as const,
  regions: ['CP', 'SP', 'IZ', 'VZ'].map((acronym, id) => ({
    id,
    acronym,
    name: acronym,
    parent: null,
    description: '',
    color: '#888888',
  })),
};

/** A violet elliptical "section" with dark somata on white glass, written in strips as a tiled pyramidal JPEG TIFF. */
async function writeSection(path: string): Promise<void> {
  const w = EDGE;
  const h = Math.round(EDGE * 0.75);
  const data = Buffer.alloc(w * h * 3);
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = (x - w / 2) / (w * 0.45);
      const dy = (y - h / 2) / (h * 0.45);
      const i = (y * w + x) * 3;
      if (dx * dx + dy * dy > 1) {
        data[i] = data[i + 1] = 246;
        data[i + 2] = 250;
      } else if (rand() < 0.05) {
        data[i] = 70;
        data[i + 1] = 50;
        data[i + 2] = 150;
      } else {
        data[i] = 200;
        data[i + 1] = 185;
        data[i + 2] = 230;
      }
    }
  }
  await sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .tiff({ tile: true, pyramid: true, compression: 'jpeg', quality: 90, tileWidth: 256, tileHeight: 256 })
    .toFile(path);
}

/** Four quadrant regions over the ellipse. */
function annotations(w: number, h: number) {
  const quad = (x0: number, y0: number, x1: number, y1: number) => [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ],
  ];
  const regions = ['CP', 'SP', 'IZ', 'VZ'];
  const boxes = [
    quad(0, 0, w / 2, h / 2),
    quad(w / 2, 0, w, h / 2),
    quad(0, h / 2, w / 2, h),
    quad(w / 2, h / 2, w, h),
  ];
  const features = boxes.map((coordinates, k) => ({
    type: 'Feature',
    properties: { region: regions[k] },
    geometry: { type: 'Polygon', coordinates },
  }));
  return parseAnnotations({ type: 'FeatureCollection', features }, ONTOLOGY);
}

async function run(section: SectionImage, sectionMpp: number) {
  const t0 = performance.now();
  const plan = await planTiles(section, annotations(section.width, section.height), {
    atlas: 'bench',
    section: 's',
    micronsPerPixel: sectionMpp,
  });
  const planned = performance.now();
  let n = 0;
  let checksum = 0;
  for await (const batch of cutTiles(section, plan.tiles, { size: 224, batchSize: 64 })) {
    n += batch.length;
    checksum += batch[0]!.image.data[0]!;
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    sectionMicronsPerPixel: sectionMpp,
    levelZeroBox: plan.geometry.box,
    gridCells: plan.cells,
    tissueTiles: plan.tiles.length,
    planSeconds: round((planned - t0) / 1000),
    totalSeconds: round(seconds),
    tilesPerSecond: round(n / seconds),
    checksum,
  };
}

/** The baseline the strip reader replaces: one region read per tile. */
async function separateExtracts(section: SectionImage, tiles: TilePlan[]) {
  const sample = tiles.slice(0, 300);
  const t0 = performance.now();
  for (const t of sample) await section.readRegion(t.x, t.y, t.box, t.box);
  return round(sample.length / ((performance.now() - t0) / 1000));
}

const round = (v: number) => Math.round(v * 100) / 100;

const dir = mkdtempSync(join(tmpdir(), 'bench-slides-'));
try {
  const path = join(dir, 'section.tif');
  const t0 = performance.now();
  await writeSection(path);
  const writeSeconds = round((performance.now() - t0) / 1000);
  const section = await openSection(path, { cacheDir: join(dir, 'cache') });
  // 1 µm/px: tiles cut at level 0 with no resize; 0.5 µm/px: read from level 1; 2 µm/px: 112-px boxes upsampled.
  const atGrid = await run(section, 1);
  const finer = await run(section, 0.5);
  const coarser = await run(section, 2);
  const plan = await planTiles(section, null, { atlas: 'bench', section: 's', micronsPerPixel: 1 });
  const result = {
    bench: 'slides',
    section: {
      width: section.width,
      height: section.height,
      levels: section.levels.length,
      format: 'tiled pyramidal JPEG TIFF',
      writeSeconds,
    },
    grid: { size: 224, micronsPerPixel: 1 },
    tilesPerSecond: atGrid.tilesPerSecond,
    runs: [atGrid, finer, coarser],
    separateExtractsTilesPerSecond: await separateExtracts(section, plan.tiles),
    cpus: (await import('node:os')).cpus().length,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
