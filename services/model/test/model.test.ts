import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipModel, dot } from '@cytoclip/model';
import { cosine } from '../src/vector.js';
import { FIXTURE } from './helpers.js';

function noise(
  width: number,
  height: number,
  seed: number,
): { data: Uint8Array; width: number; height: number; channels: 3 } {
  const data = new Uint8Array(width * height * 3);
  let x = seed;
  for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return { data, width, height, channels: 3 };
}

async function png(width: number, height: number, seed: number): Promise<Buffer> {
  const raw = noise(width, height, seed);
  return sharp(raw.data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const norm = (v: Float32Array) => Math.sqrt(dot(v, v));

describe('CytoclipModel', () => {
  let model: CytoclipModel;
  beforeAll(async () => {
    model = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1 });
  });
  afterAll(async () => model.close());

  it('describes itself', () => {
    expect(model.info).toMatchObject({
      id: 'cytoclip-tiny-random@1',
      variant: 'tile',
      embeddingDim: 32,
      device: 'cpu',
      micronsPerPixel: 1,
    });
    expect(model.info.labels).toEqual(['CP', 'SP', 'VZ']);
  });

  it('embeds encoded bytes, files and raw pixels the same way, L2-normalised', async () => {
    const bytes = await png(64, 64, 1);
    const ref = JSON.parse(await readFile(join(FIXTURE, 'reference.json'), 'utf8')) as { images: { path: string }[] };
    const file = join(FIXTURE, ref.images[0]!.path);
    const [a, b, c, d] = await model.embedImages([bytes, file, noise(64, 64, 1), await readFile(file)]);
    expect(a!.length).toBe(32);
    for (const v of [a!, b!, c!, d!]) expect(norm(v)).toBeCloseTo(1, 5);
    expect(cosine(a!, c!)).toBeGreaterThan(0.99999);
    expect(cosine(b!, d!)).toBeGreaterThan(0.99999);
    expect(cosine(a!, b!)).toBeLessThan(0.9999);
  });

  it('resizes and centre-crops larger images through slides', async () => {
    const [big] = await model.embedImages([await png(128, 200, 7)]);
    expect(norm(big!)).toBeCloseTo(1, 5);
  });

  it('gives the same embedding alone and in a batch', async () => {
    const images = await Promise.all([1, 2, 3, 4, 5].map((s) => png(64, 64, s)));
    const batch = await model.embedImages(images);
    const alone = await model.embedImages([images[3]!]);
    expect(cosine(batch[3]!, alone[0]!)).toBeGreaterThan(0.99999);
  });

  it('micro-batches concurrent callers and keeps each answer with its caller', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `cortical plate ${i}`);
    const together = await Promise.all(texts.map((t) => model.embedTexts([t])));
    const one = await model.embedTexts(texts);
    together.forEach(([v], i) => expect(cosine(v!, one[i]!)).toBeGreaterThan(0.99999));
    expect(cosine(one[0]!, one[1]!)).toBeLessThan(0.99999);
  });

  it('refuses an image that is not an image, and a wrong tensor shape', async () => {
    await expect(model.embedImages([Buffer.from('this is not a png')])).rejects.toMatchObject({
      code: 'invalid_image',
    });
    await expect(model.embedPixels(new Float32Array(3 * 64 * 64 + 1), 1)).rejects.toMatchObject({
      code: 'bad_tensor_shape',
    });
    await expect(model.zeroShotClassify(new Float32Array(5))).rejects.toMatchObject({ code: 'bad_tensor_shape' });
    // The model still works after bad input.
    expect((await model.embedTexts(['subplate']))[0]!.length).toBe(32);
  });

  it('embeds already-normalised pixels like the image path does', async () => {
    const raw = noise(64, 64, 3);
    const { mean, std } = model.info.image;
    const pixels = new Float32Array(3 * 64 * 64);
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 64 * 64; p++) pixels[c * 4096 + p] = (raw.data[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
    const [fromPixels] = await model.embedPixels(pixels, 1);
    const [fromImage] = await model.embedImages([raw]);
    expect(cosine(fromPixels!, fromImage!)).toBeGreaterThan(0.99999);
  });

  it('classifies zero-shot over its labels or a chosen subset', async () => {
    const [image] = await model.embedImages([await png(64, 64, 9)]);
    const ranked = await model.zeroShotClassify(image!);
    expect(ranked.map((r) => r.acronym).sort()).toEqual(['CP', 'SP', 'VZ']);
    expect(ranked.reduce((s, r) => s + r.probability, 0)).toBeCloseTo(1, 6);
    for (let i = 1; i < ranked.length; i++)
      expect(ranked[i - 1]!.probability).toBeGreaterThanOrEqual(ranked[i]!.probability);
    const two = await model.zeroShotClassify(image!, ['SP', 'Br']);
    expect(two.map((r) => r.acronym).sort()).toEqual(['Br', 'SP']);
    await expect(model.zeroShotClassify(image!, ['NOPE'])).rejects.toMatchObject({ code: 'unknown_region' });
  });

  it('averages the filled templates into the region embedding', async () => {
    const [cp] = await model.regionEmbeddings(['CP']);
    const prompts = model.info.promptTemplates.map((t) =>
      t.replace('{name}', 'cortical plate').replace('{acronym}', 'CP'),
    );
    const embedded = await model.embedTexts(prompts);
    const mean = new Float32Array(32);
    for (const v of embedded) v.forEach((x, i) => (mean[i] = mean[i]! + x));
    expect(cosine(cp!, mean)).toBeGreaterThan(0.99999);
  });
});

describe('CytoclipModel queue bound and devices', () => {
  it("refuses work beyond maxQueue with a 503 'busy' error", async () => {
    const model = await CytoclipModel.open(FIXTURE, { maxQueue: 3, maxBatch: 1 });
    try {
      const first = model.embedTexts(['a', 'b', 'c', 'd']);
      await expect(model.embedTexts(['e'])).rejects.toMatchObject({ code: 'busy', status: 503 });
      expect(await first).toHaveLength(4);
      expect(await model.embedTexts(['e'])).toHaveLength(1);
    } finally {
      await model.close();
    }
  });

  it('fails at start-up on CUDA without the CUDA build, saying how to install it', async () => {
    await expect(CytoclipModel.open(FIXTURE, { device: 'cuda' })).rejects.toMatchObject({
      code: 'cuda_unavailable',
      message: expect.stringContaining('--onnxruntime-node-install=cuda12'),
    });
  });

  it('falls back to the CPU with a warning when allowed', async () => {
    const warnings: string[] = [];
    const model = await CytoclipModel.open(FIXTURE, {
      device: 'cuda',
      allowCpuFallback: true,
      warn: (m) => warnings.push(m),
    });
    try {
      expect(model.info.device).toBe('cpu');
      expect(warnings.join('\n')).toContain('CUDA requested but unavailable');
      expect((await model.embedTexts(['vz']))[0]!.length).toBe(32);
    } finally {
      await model.close();
    }
  });
});

describe('closing a model while it works', () => {
  it('lets the runs under way finish before the sessions go, then refuses new work with model_closed', async () => {
    const model = await CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1 });
    const images = await Promise.all([1, 2, 3, 4].map((seed) => png(64, 64, seed)));
    const running = model.embedImages(images);
    const texts = model.embedTexts(['cortical plate', 'ventricular zone']);
    await model.close(); // released mid-run, onnxruntime-node aborted the whole process
    expect(await running).toHaveLength(4);
    expect(await texts).toHaveLength(2);
    await expect(model.embedTexts(['subplate'])).rejects.toMatchObject({ code: 'model_closed' });
  });
});
