// One big section through ingest: `npm run bench:big-section -- [--side 32000] [--band-tiles 2048]`. Writes a synthetic
// side² tiled pyramidal JPEG TIFF at 1 µm/px (a DHARANI annotated section is 64,000²) into a fresh DATA_DIR under
// the temp dir, ingests it unannotated with the bundled tile model (models/cytoclip-mini-tile) read in place, and
// prints JSON: tiles, bands, seconds, tiles/s, the process's peak RSS (sampled every 100 ms) and the load average.
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openCatalog } from '@cytoclip/catalog';
import { CytoclipModel } from '@cytoclip/model';
import { openVectorStore } from '@cytoclip/vectors';
import { ingestAtlas } from '../ingest.js';

const { values } = parseArgs({
  options: { side: { type: 'string', default: '32000' }, 'band-tiles': { type: 'string', default: '2048' } },
});
const side = Number(values.side);
const bandTiles = Number(values['band-tiles']);
const base = await mkdtemp(join(tmpdir(), 'cytoclip-big-bench-'));
try {
  const atlas = join(base, 'atlases', 'big');
  await mkdir(join(atlas, 'sections'), { recursive: true });
  await writeSection(join(atlas, 'sections', 'B01.tif'), side);
  await writeFile(join(atlas, 'ontology.json'), JSON.stringify(ontology()));
  await writeFile(join(atlas, 'atlas.json'), JSON.stringify(manifest()));
  const dataDir = join(base, 'data');
  const catalog = await openCatalog({ dataDir });
  const vectors = await openVectorStore({ dataDir });
  const model = await CytoclipModel.open(resolve('models/cytoclip-mini-tile'), {
    intraOpNumThreads: 1,
    imageWorkers: availableParallelism(),
  });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  let bands = 0;
  const commitBand = catalog.commitBand.bind(catalog);
  catalog.commitBand = (...args) => (bands++, commitBand(...args));
  const rssBefore = process.memoryUsage().rss;
  const report = await ingestAtlas({
    atlas,
    catalog,
    vectors,
    models: [model],
    dataDir,
    atlasRoots: [join(base, 'atlases')],
    bandTiles,
    inPlaceMinBytes: 0,
  });
  clearInterval(sampler);
  const result = {
    side,
    bandTiles,
    status: report.status,
    tiles: report.processed.tiles,
    bands: report.processed.tiles > 0 ? bands + 1 : 0, // the last band commits with the section's completion
    seconds: Number(report.seconds.toFixed(1)),
    tilesPerSecond: Number(report.tilesPerSecond.toFixed(1)),
    rssBeforeMB: Math.round(rssBefore / 2 ** 20),
    peakRssMB: Math.round(peak / 2 ** 20),
    loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await model.close();
  await vectors.close();
  await catalog.close();
} finally {
  await rm(base, { recursive: true, force: true });
}

/** Tissue-like noise in a disc, drawn at 1/16 scale and enlarged by libvips in a streaming pipeline. */
async function writeSection(path: string, size: number): Promise<void> {
  const small = Math.ceil(size / 16);
  const pixels = Buffer.alloc(small * small * 3, 255);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let y = 0; y < small; y++)
    for (let x = 0; x < small; x++) {
      if (Math.hypot(x - small / 2, y - small / 2) > small * 0.42) continue;
      const shade = 80 + Math.floor(random() * 130);
      pixels.set([shade, Math.floor(shade * 0.7), Math.min(255, shade + 20)], (y * small + x) * 3);
    }
  await sharp(pixels, { raw: { width: small, height: small, channels: 3 } })
    .resize(size, size, { kernel: 'nearest' })
    .tiff({ tile: true, tileWidth: 256, tileHeight: 256, pyramid: true, compression: 'jpeg', quality: 80 })
    .toFile(path);
}

function ontology() {
  return {
    format: 'cytoclip-ontology/1',
    regions: [{ id: 1, acronym: 'Br', name: 'brain', parent: null, description: 'the whole brain', color: '#cccccc' }],
  };
}

function manifest() {
  return {
    format: 'cytoclip-atlas/1',
    name: 'big-bench',
    ontology: 'ontology.json',
    specimens: [{ id: 'B01', gestationalWeek: 20 }],
    sections: [
      {
        id: 'B01',
        specimen: 'B01',
        plane: 'coronal',
        index: 1,
        stain: 'nissl',
        image: 'sections/B01.tif',
        micronsPerPixel: 1,
      },
    ],
  };
}
