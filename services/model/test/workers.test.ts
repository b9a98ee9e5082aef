import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipModel, dot } from '@cytoclip/model';
import type { ImageSpec } from '@cytoclip/domain';
import { rawImage } from '@cytoclip/slides';
import { ImageWorkers } from '../src/image-workers.js';
import { FIXTURE } from './helpers.js';

const tile = (seed: number, size = 64) =>
  rawImage(
    Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 31 + seed * 17) % 256),
    size,
    size,
  );
const maxDiff = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(...a.flatMap((v, i) => [...v].map((x, j) => Math.abs(x - b[i]![j]!))));

describe('image workers and embedRgb', () => {
  let local: CytoclipModel;
  let pooled: CytoclipModel;
  beforeAll(async () => {
    local = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1 });
    pooled = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1, imageWorkers: 2, maxBatch: 3 });
  });
  afterAll(async () => {
    await local?.close();
    await pooled?.close();
  });

  it('embedRgb of tiles at model size gives what embedImages gives, in this thread and in workers', async () => {
    const tiles = Array.from({ length: 7 }, (_, i) => tile(i + 1));
    const reference = await local.embedImages(tiles);
    expect(maxDiff(await local.embedRgb(tiles), reference)).toBeLessThan(1e-5);
    expect(maxDiff(await pooled.embedRgb(tiles), reference)).toBeLessThan(1e-5);
    // Normalised pixels through the workers too, and every vector L2-normalised and distinct.
    const viaImages = await pooled.embedImages(tiles);
    expect(maxDiff(viaImages, reference)).toBeLessThan(1e-5);
    for (const v of viaImages) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    expect(Math.abs(reference[0]![0]! - reference[1]![0]!)).toBeGreaterThan(1e-4);
  });

  it('takes handed-over tiles without copying them: same embeddings, the tiles emptied; a view into a larger buffer is copied', async () => {
    const tiles = Array.from({ length: 5 }, (_, i) => tile(i + 20));
    const reference = await local.embedRgb(tiles);
    const shared = new Uint8Array(2 * 64 * 64 * 3);
    shared.set(tiles[0]!.data);
    const view = rawImage(shared.subarray(0, 64 * 64 * 3), 64, 64);
    const handed = tiles.slice(1).map((t) => rawImage(Uint8Array.from(t.data), 64, 64));
    expect(maxDiff(await pooled.embedRgb(handed, { handOver: true }), reference.slice(1))).toBeLessThan(1e-5);
    expect(handed.every((t) => t.data.byteLength === 0)).toBe(true);
    expect(maxDiff(await pooled.embedRgb([view], { handOver: true }), reference.slice(0, 1))).toBeLessThan(1e-5);
    expect(view.data.byteLength).toBe(64 * 64 * 3);
  });

  it('resizes tiles of another size as embedImages would', async () => {
    const odd = [tile(4, 80)];
    expect(maxDiff(await pooled.embedRgb(odd), await local.embedImages(odd))).toBeLessThan(1e-5);
  });

  it('keeps concurrent callers apart when batches spread over the workers', async () => {
    const sets = Array.from({ length: 5 }, (_, k) => Array.from({ length: 4 + k }, (_, i) => tile(10 * k + i)));
    const results = await Promise.all(sets.map((s) => pooled.embedRgb(s)));
    for (const [k, s] of sets.entries()) expect(maxDiff(results[k]!, await local.embedRgb(s))).toBeLessThan(1e-5);
  });

  it('queues a second batch on a busy worker without mixing it into the first (each holds two at once)', async () => {
    const one = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1, imageWorkers: 1, maxBatch: 2 });
    try {
      // Six tiles in batches of two: the one worker is sent two batches at a time, the second waiting in its port
      // while the first runs on the worker's one reused input buffer.
      const tiles = Array.from({ length: 6 }, (_, i) => tile(i + 40));
      const [together, ...alone] = await Promise.all([one.embedRgb(tiles), ...tiles.map((t) => local.embedRgb([t]))]);
      expect(maxDiff(together!, alone.flat())).toBeLessThan(1e-5);
    } finally {
      await one.close();
    }
  });

  it('warmUp starts the workers and opens their sessions before the first batch; embeddings are unchanged', async () => {
    const model = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1, imageWorkers: 2 });
    try {
      expect((model as unknown as { workers: unknown }).workers).toBeNull();
      await model.warmUp();
      const pool = (model as unknown as { workers: { workers: Worker[] } }).workers;
      expect(pool.workers).toHaveLength(2);
      const tiles = [tile(3), tile(4)];
      expect(maxDiff(await model.embedRgb(tiles), await local.embedRgb(tiles))).toBeLessThan(1e-5);
      await local.warmUp(); // no workers: the session in this thread
    } finally {
      await model.close();
    }
    await expect(model.warmUp()).rejects.toMatchObject({ code: 'model_closed' });
    const single = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1 });
    await single.close();
    await expect(single.warmUp()).rejects.toMatchObject({ code: 'model_closed' });
  });

  it('refuses a bad worker count, and fails calls after close instead of hanging', async () => {
    await expect(CytoclipModel.open(FIXTURE, { imageWorkers: 1.5 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    const model = await CytoclipModel.open(FIXTURE, { imageWorkers: 1 });
    await model.close();
    await expect(model.embedRgb([tile(1)])).rejects.toMatchObject({ code: 'model_closed' });
  });
});

describe('ImageWorkers failures', () => {
  it('fails a call with the reason when the graph cannot be opened, instead of hanging', async () => {
    const spec = { size: 64, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as ImageSpec;
    const pool = ImageWorkers.start('/nonexistent/image_encoder.onnx', spec, 32, { count: 1 });
    try {
      await expect(pool.run({ kind: 'rgb', data: new Uint8Array(64 * 64 * 3), n: 1 })).rejects.toMatchObject({
        code: 'inference_failed',
        message: expect.stringMatching(/nonexistent/),
      });
    } finally {
      await pool.close();
    }
  });

  it('fails the batches of a worker that dies, and the model starts a fresh pool for the next call', async () => {
    const model = await CytoclipModel.open(FIXTURE, { imageWorkers: 1 });
    try {
      const before = await model.embedRgb([tile(1)]);
      const pool = (model as unknown as { workers: { workers: Worker[] } }).workers;
      // 64 tiles are eight batches in a row on the one worker: it dies while they run.
      const inFlight = model.embedRgb(Array.from({ length: 64 }, (_, i) => tile(i)));
      await pool.workers[0]!.terminate();
      await expect(inFlight).rejects.toMatchObject({ code: 'inference_failed' });
      expect(maxDiff(await model.embedRgb([tile(1)]), before)).toBeLessThan(1e-6);
    } finally {
      await model.close();
    }
  });
});
