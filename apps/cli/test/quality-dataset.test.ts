import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_FORMAT, DEFAULT_TILE_GRID, tileId } from '@cytoclip/domain';
import { REPO_ROOT } from '../../../test/support/index.js';
import type { SearchEvalReport } from '../src/quality/report.js';
import { run } from './run.js';

// `cytoclip eval --queries --dataset`: a hand-made dataset embedded in-process by the fixture ONNX model. Items of
// one colour have identical embeddings (cosine 1) and the colours are far apart (cosine ≤ 0.9 under this model), so
// find-similar figures are exact: Ctx (5) and its subregion L1 (5) are one purple, WM (12) white, and 3 WM items of
// the train split dark. Empty is in the ontology without items.
const MODEL = join(REPO_ROOT, 'services/model/test/fixture-model');
let dir: string;
let queries: string;

const ONTOLOGY = {
  format: 'cytoclip-ontology/1',
  name: 'hand-made',
  version: '1',
  regions: [
    { id: 1, acronym: 'Br', name: 'brain', parent: null, description: '', color: '#888888' },
    { id: 2, acronym: 'Ctx', name: 'cortex', parent: 'Br', description: '', color: '#aa00aa' },
    { id: 3, acronym: 'L1', name: 'layer 1', parent: 'Ctx', description: '', color: '#aa55aa' },
    { id: 4, acronym: 'WM', name: 'white matter', parent: 'Br', description: '', color: '#eeeeee' },
    { id: 5, acronym: 'Empty', name: 'empty', parent: 'Br', description: '', color: '#000000' },
  ],
};

const COLOURS = { purple: [120, 60, 160], white: [240, 240, 240], dark: [30, 20, 60] } as const;
/** region, colour, coronal count, sagittal count, split */
const GROUPS: [string, keyof typeof COLOURS, number, number, 'test' | 'train'][] = [
  ['Ctx', 'purple', 2, 3, 'test'],
  ['L1', 'purple', 2, 3, 'test'],
  ['WM', 'white', 4, 8, 'test'],
  ['WM', 'dark', 0, 3, 'train'],
];

async function writeDataset(root: string): Promise<void> {
  await mkdir(join(root, 'images'), { recursive: true });
  await writeFile(join(root, 'ontology.json'), JSON.stringify(ONTOLOGY));
  await writeFile(
    join(root, 'dataset.json'),
    JSON.stringify({ format: DATASET_FORMAT, name: 'hand-made', variant: 'tile', ontology: 'ontology.json' }),
  );
  const lines: string[] = [];
  let n = 0;
  for (const [region, colour, coronal, sagittal, split] of GROUPS) {
    const [r, g, b] = COLOURS[colour];
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer();
    for (let i = 0; i < coronal + sagittal; i++, n++) {
      const plane = i < coronal ? 'coronal' : 'sagittal';
      const id = tileId('hand-made', `S-${plane}`, DEFAULT_TILE_GRID, n * 224, 0);
      await writeFile(join(root, 'images', `${id}.png`), png);
      const item = {
        id,
        image: `images/${id}.png`,
        region,
        specimen: 'S1',
        gestationalWeek: 20,
        plane,
        section: `S-${plane}`,
      };
      lines.push(JSON.stringify({ ...item, captions: [region], split }));
    }
  }
  await writeFile(join(root, 'items.jsonl'), lines.join('\n') + '\n');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cytoclip-cli-quality-dataset-'));
  await writeDataset(join(dir, 'dataset'));
  queries = join(dir, 'queries.jsonl');
  const lines = [
    { text: 'any brain tissue', regions: ['Br'], split: 'dev' },
    { text: 'cortex in a coronal section', regions: ['Ctx', 'L1'], split: 'dev', filter: { planes: ['coronal'] } },
    { text: 'the first cortical layer', regions: ['L1'], split: 'test' },
    { text: 'a region without items', regions: ['Empty', 'Nope'], split: 'test' },
  ];
  await writeFile(queries, lines.map((l) => JSON.stringify(l)).join('\n'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function evaluate(...extra: string[]): Promise<SearchEvalReport> {
  const argv = ['eval', '--queries', queries, '--dataset', join(dir, 'dataset'), '--model', MODEL, '--json', ...extra];
  const r = await run(argv);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as SearchEvalReport;
}

describe('cytoclip eval --queries --dataset', () => {
  it('scores text queries over the embedded test items: nested regions counted once, under the query filter', async () => {
    const report = await evaluate();
    expect(report).toMatchObject({
      model: 'cytoclip-tiny-random@1',
      target: 'tiles',
      source: { dataset: 'hand-made', items: 'test' },
    });
    const [all, coronal, layer, empty] = report.text!.perQuery;
    expect(all).toMatchObject({ precisionAt10: 1, attainable: 10, hits: 10, returned: 10 });
    // 8 coronal items, 4 of them Ctx or L1: a region and its subregion are one set of 4, not 4 + 2.
    expect(coronal).toMatchObject({ precisionAt10: 1, attainable: 4, hits: 4, returned: 8, missingRegions: [] });
    // The purple items tie: the top 10 holds all 10 of them (5 L1) or none.
    expect(layer!.attainable).toBe(5);
    expect([0, 5]).toContain(layer!.hits);
    expect(layer!.precisionAt10).toBe(layer!.hits / 5);
    expect(empty).toMatchObject({ precisionAt10: 0, attainable: 0, hits: 0, missingRegions: ['Empty', 'Nope'] });
    expect(report.text!.perSplit).toEqual({
      dev: { n: 2, precisionAt10: 1 },
      test: { n: 2, precisionAt10: layer!.precisionAt10 / 2 },
    });
  });

  it('scores find-similar exactly: a region shares its neighbours with its subregion, not the other way round', async () => {
    const { similar } = await evaluate();
    expect(similar.items).toBe(22);
    // Ctx: 4 other Ctx + 5 L1 (path Br/Ctx/L1) tie at cosine 1, the tenth is white: 9/10. L1: only its 4 count.
    expect(Object.fromEntries(Object.entries(similar.byRegion).map(([r, v]) => [r, v.share]))).toEqual({
      Ctx: 0.9,
      L1: 0.4,
      WM: 1,
    });
    expect(similar.macro).toBeCloseTo((0.9 + 0.4 + 1) / 3, 12);
    expect(similar.byRegion.WM).toMatchObject({ items: 12, listed: 12 });
    expect(similar.byRegion.WM!.queries).toHaveLength(5);
  });

  it('embeds every item with --items all, and refuses what does not fit a dataset', async () => {
    const { similar } = await evaluate('--items', 'all', '--split', 'dev');
    expect(similar.items).toBe(25);
    expect(similar.byRegion.WM!.items).toBe(15);
    const base = ['eval', '--queries', queries, '--dataset', join(dir, 'dataset'), '--model', MODEL];
    expect((await run([...base, '--target', 'regions'])).code).toBe(2);
    expect((await run([...base, '--retrieval', 'hybrid'])).code).toBe(2);
    expect((await run([...base, '--items', 'some'])).code).toBe(2);
    expect((await run([...base, '--api', 'http://127.0.0.1:1'])).code).toBe(2);
  });
});
