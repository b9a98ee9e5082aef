import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateModel } from '@cytoclip/model';
import type { EvalReport } from '../src/eval/evaluate.js';
import { TEST_SETS } from '../src/eval/protocol.js';
import { needs } from '../../../test/support/index.js';
import { FIXTURE } from './helpers.js';

const PYTHON = process.env.CYTOCLIP_PYTHON ?? '/usr/bin/python3';
const TRAINER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'trainer');
const torch = spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL'], { encoding: 'utf8' });
const hasTorch = needs('PyTorch', torch.status === 0 ? null : `${PYTHON} cannot import torch, numpy, PIL`);

const FIGURES: [string, (s: EvalReport['testSets']['seen']) => number | undefined][] = [
  ['zero-shot accuracy', (s) => s.zeroShot?.accuracy],
  ['zero-shot macro-F1', (s) => s.zeroShot?.macroF1],
  ['kNN accuracy', (s) => s.knn?.accuracy],
  ['kNN macro-F1', (s) => s.knn?.macroF1],
  ['text→image P@10', (s) => s.textToImage?.precisionAt10],
  ['image→text R@1', (s) => s.imageToText?.recallAt1],
  ['image→text R@5', (s) => s.imageToText?.recallAt5],
];

// The Node evaluator (ONNX graphs) and the trainer's Python evaluator (the same weights in PyTorch) implement one set
// of definitions (README "Evaluation"): on the same package and dataset they must agree within 0.01.
describe.runIf(hasTorch)('Node and Python evaluators agree', () => {
  let tmp: string;
  afterAll(async () => tmp && rm(tmp, { recursive: true, force: true }));

  it('within 0.01 on every figure of every test set', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'cytoclip-agree-'));
    const dataset = join(tmp, 'dataset');
    const run = (args: string[]) => {
      const r = spawnSync(PYTHON, args, { cwd: TRAINER, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
    };
    run([
      '-c',
      `from cytoclip_trainer.fixtures import make_tiny_dataset; make_tiny_dataset(${JSON.stringify(dataset)})`,
    ]);
    run([join(dirname(fileURLToPath(import.meta.url)), 'python-eval.py'), FIXTURE, dataset, join(tmp, 'python.json')]);
    const python = JSON.parse(await readFile(join(tmp, 'python.json'), 'utf8')) as EvalReport;
    const node = await evaluateModel({ modelDir: FIXTURE, datasetDir: dataset });
    for (const name of TEST_SETS) {
      expect(node.testSets[name].n, name).toBe(python.testSets[name].n);
      for (const [figure, get] of FIGURES) {
        const a = get(node.testSets[name]);
        const b = get(python.testSets[name]);
        expect(a === undefined, `${name} ${figure}`).toBe(b === undefined);
        if (a !== undefined && b !== undefined)
          expect(Math.abs(a - b), `${name} ${figure}: node ${a}, python ${b}`).toBeLessThanOrEqual(0.01);
      }
    }
  });
});
