import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipModel, evalMarkdown, evaluateModel } from '@cytoclip/model';
import type { EvalReport } from '../src/eval/evaluate.js';
import { FIXTURE } from './helpers.js';

const ONTOLOGY = {
  format: 'cytoclip-ontology/1',
  regions: [
    { id: 1, acronym: 'Br', name: 'brain', parent: null, description: 'the brain', color: '#888888' },
    { id: 2, acronym: 'CP', name: 'cortical plate', parent: 'Br', description: 'dense', color: '#d62728' },
    { id: 3, acronym: 'SP', name: 'subplate', parent: 'Br', description: 'sparse', color: '#2ca02c' },
    { id: 4, acronym: 'VZ', name: 'ventricular zone', parent: 'Br', description: 'very dense', color: '#1f77b4' },
  ],
};
const COLOURS: Record<string, [number, number, number]> = {
  CP: [200, 40, 40],
  SP: [40, 200, 40],
  VZ: [40, 40, 200],
  Br: [128, 128, 128],
};
// specimen, age (GW), plane, split: S05 is a held-out age, S06 the held-out plane, S07 both (whatever its split).
const SPECIMENS: [string, number, string, string][] = [
  ['S01', 17, 'coronal', 'train'],
  ['S02', 19, 'coronal', 'train'],
  ['S03', 19, 'coronal', 'val'],
  ['S04', 24, 'coronal', 'test'],
  ['S05', 21, 'coronal', 'test'],
  ['S06', 19, 'axial', 'test'],
  ['S07', 16, 'axial', 'train'],
];

async function patch(colour: [number, number, number], seed: number): Promise<Buffer> {
  const data = Buffer.alloc(64 * 64 * 3);
  let x = seed;
  for (let i = 0; i < data.length; i++)
    data[i] = Math.max(0, Math.min(255, colour[i % 3]! + (((x = (x * 1103515245 + 12345) >>> 0) >>> 26) - 32)));
  return sharp(data, { raw: { width: 64, height: 64, channels: 3 } })
    .png()
    .toBuffer();
}

async function makeDataset(root: string, edit?: (items: Record<string, unknown>[]) => void): Promise<string> {
  await mkdir(join(root, 'images'), { recursive: true });
  const items: Record<string, unknown>[] = [];
  let seed = 1;
  for (const [specimen, gestationalWeek, plane, split] of SPECIMENS)
    for (const region of ['CP', 'SP', 'VZ', ...(specimen === 'S04' ? ['Br'] : [])])
      for (let k = 0; k < 3; k++) {
        const id = `${specimen}-${region}-${k}`;
        await writeFile(join(root, 'images', `${id}.png`), await patch(COLOURS[region]!, seed++));
        items.push({
          id,
          image: `images/${id}.png`,
          region,
          specimen,
          gestationalWeek,
          plane,
          section: `${specimen}-1`,
          captions: [],
          split,
        });
      }
  edit?.(items);
  await writeFile(join(root, 'items.jsonl'), items.map((i) => JSON.stringify(i)).join('\n') + '\n');
  await writeFile(join(root, 'ontology.json'), JSON.stringify(ONTOLOGY));
  await writeFile(
    join(root, 'dataset.json'),
    JSON.stringify({
      format: 'cytoclip-dataset/1',
      name: 'tiny',
      variant: 'tile',
      ontology: 'ontology.json',
      source: {},
    }),
  );
  return root;
}

describe('evaluateModel', () => {
  let root: string;
  let report: EvalReport;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cytoclip-eval-'));
    await makeDataset(join(root, 'ok'));
    report = await evaluateModel({ modelDir: FIXTURE, datasetDir: join(root, 'ok') });
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  it('draws the gallery and the four test sets from item metadata', () => {
    expect(report.gallery).toBe(18); // S01 + S02 train; S07 is held out although its split is train
    expect(report.testSets.seen).toMatchObject({ n: 9, skippedNonLeaf: 3, regions: ['CP', 'SP', 'VZ'] });
    expect(report.testSets['held-out-ages'].n).toBe(9);
    expect(report.testSets['held-out-plane'].n).toBe(9);
    expect(report.testSets.both.n).toBe(9);
    expect(report.protocol).toMatchObject({
      heldOutAges: [16, 21, 30],
      heldOutPlanes: ['axial'],
      split: 'test',
      k: 10,
    });
  });

  it('classifies zero-shot exactly as the runtime does, with a consistent confusion matrix', async () => {
    const seen = report.testSets.seen.zeroShot!;
    expect(seen.confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(9);
    const diagonal = seen.confusion.matrix.reduce((sum, row, i) => sum + row[i]!, 0);
    expect(seen.accuracy).toBeCloseTo(diagonal / 9, 12);
    const model = await CytoclipModel.open(FIXTURE);
    try {
      let correct = 0;
      for (const region of ['CP', 'SP', 'VZ'])
        for (let k = 0; k < 3; k++) {
          const [e] = await model.embedImages([join(root, 'ok', 'images', `S04-${region}-${k}.png`)]);
          const [top] = await model.zeroShotClassify(e!, ['CP', 'SP', 'VZ']);
          if (top!.acronym === region) correct++;
        }
      expect(seen.accuracy).toBeCloseTo(correct / 9, 12);
    } finally {
      await model.close();
    }
  });

  it('kNN separates regions that look different, even with random weights', () => {
    for (const name of ['seen', 'held-out-ages', 'held-out-plane', 'both'] as const) {
      expect(report.testSets[name].knn).toMatchObject({ k: 10, accuracy: 1, macroF1: 1 });
    }
  });

  it('reports retrieval figures in range; Recall@5 is 1 among 3 prompts', () => {
    const seen = report.testSets.seen;
    expect(seen.imageToText).toMatchObject({ recallAt5: 1, prompts: 3 });
    expect(seen.imageToText!.recallAt1).toBeCloseTo(seen.zeroShot!.accuracy, 12); // same 3 candidates here
    expect(seen.textToImage!.precisionAt10).toBeGreaterThanOrEqual(0);
    // 3 images per region among 9: P@10 covers all 9, so each region's precision is exactly 3/9.
    for (const p of Object.values(seen.textToImage!.perRegion)) expect(p).toBeCloseTo(3 / 9, 12);
  });

  it('renders a Markdown table with one row per test set', () => {
    const md = evalMarkdown(report);
    expect(md.split('\n').filter((l) => /^\| (seen|held-out-ages|held-out-plane|both) \|/.test(l))).toHaveLength(4);
    expect(md).toContain('cytoclip-tiny-random@1');
  });

  it('names what is wrong with a bad dataset', async () => {
    const missing = await makeDataset(join(root, 'missing'), (items) => (items[2]!.image = 'images/nope.png'));
    await expect(evaluateModel({ modelDir: FIXTURE, datasetDir: missing })).rejects.toMatchObject({
      code: 'dataset_images_missing',
      message: expect.stringContaining('images/nope.png'),
    });
    const unknown = await makeDataset(join(root, 'unknown'), (items) => (items[4]!.region = 'XX'));
    await expect(evaluateModel({ modelDir: FIXTURE, datasetDir: unknown })).rejects.toMatchObject({
      code: 'unknown_region',
      message: expect.stringContaining('XX'),
    });
    const plane = await makeDataset(join(root, 'plane'), (items) => (items[0]!.plane = 'oblique'));
    await expect(evaluateModel({ modelDir: FIXTURE, datasetDir: plane })).rejects.toMatchObject({
      message: expect.stringContaining('oblique'),
    });
    const captions = await makeDataset(join(root, 'captions'), (items) => delete items[1]!.captions);
    await expect(evaluateModel({ modelDir: FIXTURE, datasetDir: captions })).rejects.toMatchObject({
      code: 'invalid_dataset',
      message: expect.stringContaining('captions'),
    });
    const empty = await makeDataset(join(root, 'empty'), (items) =>
      items.forEach((i) => ((i.split = 'train'), (i.gestationalWeek = 18), (i.plane = 'coronal'))),
    );
    await expect(evaluateModel({ modelDir: FIXTURE, datasetDir: empty })).rejects.toMatchObject({
      code: 'empty_split',
    });
    await writeFile(join(empty, 'dataset.json'), JSON.stringify({ format: 'cytoclip-dataset/7', variant: 'tile' }));
    await expect(evaluateModel({ modelDir: FIXTURE, datasetDir: empty })).rejects.toMatchObject({
      code: 'unsupported_format',
    });
  });
});
