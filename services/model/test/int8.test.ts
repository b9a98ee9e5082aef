import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipModel } from '@cytoclip/model';
import { cosine } from '../src/vector.js';
import { FIXTURE, editPackageJson, fixtureCopy } from './helpers.js';

// The fixture's int8 graph was written by the trainer (`export --quantize int8`, make-fixture.sh), as a bundled
// package's would be: these tests run the real quantized graph through onnxruntime-node.
describe('the int8 image graph', () => {
  let fp32: CytoclipModel;
  let int8: CytoclipModel;
  let images: string[];
  beforeAll(async () => {
    fp32 = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1 });
    int8 = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1, precision: 'int8' });
    const dir = join(FIXTURE, 'reference');
    images = (await readdir(dir)).filter((f) => f.endsWith('.png')).map((f) => join(dir, f));
  });
  afterAll(async () => {
    await fp32.close();
    await int8.close();
  });

  it('says which graph runs', () => {
    expect(fp32.info.precision).toBe('fp32');
    expect(int8.info.precision).toBe('int8');
  });

  it('embeds like the fp32 graph (cosine ≥ 0.99) but not bit for bit (it is another graph)', async () => {
    const [a, b] = [await fp32.embedImages(images), await int8.embedImages(images)];
    expect(images.length).toBeGreaterThan(0);
    const cosines = a.map((v, i) => cosine(v, b[i]!));
    for (const c of cosines) expect(c).toBeGreaterThan(0.99);
    expect(cosines.some((c) => c < 0.999999)).toBe(true);
  });

  it('runs in image workers too, as ingest runs it', async () => {
    const workers = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1, imageWorkers: 1, precision: 'int8' });
    try {
      const [inThread, inWorker] = [await int8.embedImages(images), await workers.embedImages(images)];
      inThread.forEach((v, i) => expect(cosine(v, inWorker[i]!)).toBeGreaterThan(0.9999));
    } finally {
      await workers.close();
    }
  });

  it('is refused, naming the fix, for a package without one', async () => {
    const dir = await fixtureCopy();
    try {
      await editPackageJson(dir, 'model.json', (doc) => {
        delete (doc.files as Record<string, unknown>).imageEncoderInt8;
      });
      await expect(CytoclipModel.open(dir, { precision: 'int8' })).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringContaining('--quantize int8'),
      });
      await expect(CytoclipModel.open(dir, { precision: 'fp16' as never })).rejects.toMatchObject({
        code: 'invalid_argument',
        message: expect.stringContaining('fp32 or int8'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
