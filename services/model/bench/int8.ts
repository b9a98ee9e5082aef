/**
 * npm run bench:int8 -- --model <package> --dataset <dir>: the int8 image graph against fp32 on a dataset's test
 * sets (the paper's protocol, services/model/README.md), as JSON — per set, zero-shot top-1 agreement item by item
 * and both macro-F1s with their difference — then interleaved worker throughput (embedRgb, one single-threaded
 * image worker per core, as ingest runs) with the median int8/fp32 ratio. The figures the model card's int8 section
 * quotes; nothing is fitted, so any dataset (the test sets included) may be used.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CytoclipModel, evaluateModel, type Precision } from '@cytoclip/model';
import { rawImage } from '@cytoclip/slides';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    dataset: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '2' },
  },
});
if (!values.model || !values.dataset) {
  process.stderr.write('usage: npm run bench:int8 -- --model <package dir> --dataset <dataset dir> [--rounds 5]\n');
  process.exit(2);
}
const modelDir = resolve(values.model);
const datasetDir = resolve(values.dataset);

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function quality() {
  const run = (precision: Precision) =>
    evaluateModel({ modelDir, datasetDir, predictions: true, model: { precision, imageWorkers: cpus().length } });
  const [fp32, int8] = [await run('fp32'), await run('int8')];
  const sets: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(fp32.testSets)) {
    const b = int8.testSets[name as keyof typeof int8.testSets];
    const ids = Object.keys(a.predictions ?? {});
    const same = ids.filter((id) => a.predictions![id] === b.predictions?.[id]).length;
    const f1 = (r: typeof a) => r.zeroShot?.macroF1 ?? null;
    sets[name] = {
      n: ids.length,
      top1Agreement: ids.length ? round3(same / ids.length) : null,
      macroF1: { fp32: f1(a), int8: f1(b), difference: f1(a) === null ? null : round3(f1(b)! - f1(a)!) },
    };
  }
  return sets;
}

async function workerRate(precision: Precision, seconds: number): Promise<number> {
  const model = await CytoclipModel.open(modelDir, { intraOpNumThreads: 1, imageWorkers: cpus().length, precision });
  try {
    const size = model.info.image.size;
    const tiles = Array.from({ length: 128 }, (_, i) =>
      rawImage(
        Uint8Array.from({ length: size * size * 3 }, (_, p) => (p * 31 + i * 17) % 251),
        size,
        size,
      ),
    );
    await model.embedRgb(tiles);
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < seconds * 1000) n += (await model.embedRgb(tiles)).length;
    return n / ((performance.now() - start) / 1000);
  } finally {
    await model.close();
  }
}

async function speed() {
  const rows: { fp32: number; int8: number }[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    const seconds = Number(values.seconds);
    rows.push({ fp32: await workerRate('fp32', seconds), int8: await workerRate('int8', seconds) });
  }
  return {
    workers: cpus().length,
    tilesPerSecond: rows.map((r) => ({ fp32: Math.round(r.fp32), int8: Math.round(r.int8) })),
    medianRatio: Math.round(median(rows.map((r) => r.int8 / r.fp32)) * 100) / 100,
  };
}

const report = {
  bench: 'int8',
  model: modelDir,
  dataset: datasetDir,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  testSets: await quality(),
  throughput: await speed(),
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
