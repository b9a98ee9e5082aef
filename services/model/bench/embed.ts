/**
 * npm run bench:embed [-- --model <dir>] [--seconds 1]: embedding throughput as JSON. Images/s at batch 1, 8, 32
 * through the whole path (PNG bytes → slides' prepareModelInput → graph → L2) and graph-only (normalised pixels);
 * text queries/s; for intraOpNumThreads 1 and 2; tiles at model size through a single-threaded image worker per
 * core (embedRgb, as ingest runs); and the process's peak RSS. Defaults to the fixture model and
 * every package under models/. `--precision fp32 --precision int8 [--rounds 3]` runs each package's image graphs
 * alternately, round after round (interleaved, so machine load falls on both alike), and adds the median
 * int8/fp32 ratio of the worker figure.
 */
import { existsSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { CytoclipModel, type Precision } from '@cytoclip/model';
import { rawImage } from '@cytoclip/slides';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BATCHES = [1, 8, 32];
const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '1' },
    precision: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const precisions = (values.precision ?? ['fp32']) as Precision[];
const rounds = Number(values.rounds);

function modelDirs(): string[] {
  if (values.model?.length) return values.model.map((m) => resolve(m));
  const models = join(ROOT, 'models');
  const bundled = existsSync(models)
    ? readdirSync(models)
        .map((d) => join(models, d))
        .filter((d) => existsSync(join(d, 'model.json')))
    : [];
  return [join(ROOT, 'services/model/test/fixture-model'), ...bundled];
}

/** Items per second of `run(batch)`, repeated for at least `seconds` (and 3 runs) after one warm-up. */
async function rate(batch: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const start = performance.now();
  let runs = 0;
  while (runs < 3 || performance.now() - start < seconds * 1000) {
    await run();
    runs++;
  }
  return Math.round(((runs * batch) / ((performance.now() - start) / 1000)) * 10) / 10;
}

async function pngs(n: number, size: number): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      const data = Buffer.alloc(size * size * 3, 0);
      for (let p = 0; p < data.length; p++) data[p] = (p * 31 + i * 17) % 251;
      return sharp(data, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toBuffer();
    }),
  );
}

async function benchModel(dir: string, precision: Precision) {
  const threads: Record<string, unknown> = {};
  let info: CytoclipModel['info'] | undefined;
  for (const intraOpNumThreads of [1, 2]) {
    const model = await CytoclipModel.open(dir, { intraOpNumThreads, precision });
    info = model.info;
    const size = model.info.image.size;
    const images = await pngs(32, size);
    const pixels = new Float32Array(32 * 3 * size * size).map((_, i) => Math.sin(i));
    const texts = Array.from({ length: 32 }, (_, i) => `densely packed neurons of the cortical plate, section ${i}`);
    const row = {
      imagesPerSecond: {} as Record<number, number>,
      graphImagesPerSecond: {} as Record<number, number>,
      textsPerSecond: {} as Record<number, number>,
    };
    for (const b of BATCHES) {
      row.imagesPerSecond[b] = await rate(b, () => model.embedImages(images.slice(0, b)));
      row.graphImagesPerSecond[b] = await rate(b, () => model.embedPixels(pixels.subarray(0, b * 3 * size * size), b));
      row.textsPerSecond[b] = await rate(b, () => model.embedTexts(texts.slice(0, b)));
    }
    threads[String(intraOpNumThreads)] = row;
    await model.close();
  }
  return {
    model: info!.id,
    precision,
    dir: relative(ROOT, dir),
    imageSize: info!.image.size,
    embeddingDim: info!.embeddingDim,
    intraOpNumThreads: threads,
    imageWorkers: await benchWorkers(dir, precision),
  };
}

/** Tiles already at model size (RGB) through embedRgb with a single-threaded image worker per core, as ingest runs. */
async function benchWorkers(dir: string, precision: Precision) {
  const workers = cpus().length;
  const model = await CytoclipModel.open(dir, { intraOpNumThreads: 1, imageWorkers: workers, precision });
  const size = model.info.image.size;
  const tiles = Array.from({ length: 128 }, (_, i) =>
    rawImage(
      Uint8Array.from({ length: size * size * 3 }, (_, p) => (p * 31 + i * 17) % 251),
      size,
      size,
    ),
  );
  const rgbImagesPerSecond: Record<number, number> = {};
  for (const b of [8, 32, 128]) rgbImagesPerSecond[b] = await rate(b, () => model.embedRgb(tiles.slice(0, b)));
  await model.close();
  return { workers, intraOpNumThreads: 1, rgbImagesPerSecond };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const results: Awaited<ReturnType<typeof benchModel>>[] = [];
const ratios: Record<string, Record<number, number>> = {};
for (const dir of modelDirs()) {
  const perRound: Awaited<ReturnType<typeof benchModel>>[][] = [];
  for (let r = 0; r < rounds; r++) {
    const row = [];
    for (const precision of precisions) row.push(await benchModel(dir, precision));
    perRound.push(row);
    results.push(...row);
  }
  const fp32 = precisions.indexOf('fp32');
  const int8 = precisions.indexOf('int8');
  if (fp32 >= 0 && int8 >= 0) {
    const rgb = (x: (typeof results)[number]) => x.imageWorkers.rgbImagesPerSecond;
    ratios[relative(ROOT, dir)] = Object.fromEntries(
      Object.keys(rgb(perRound[0]![fp32]!)).map((b) => [
        b,
        Math.round(median(perRound.map((row) => rgb(row[int8]!)[+b]! / rgb(row[fp32]!)[+b]!)) * 100) / 100,
      ]),
    );
  }
}
const report = {
  bench: 'embed',
  ...(Object.keys(ratios).length ? { int8OverFp32WorkerTilesPerSecond: ratios } : {}),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  secondsPerFigure: seconds,
  results,
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
