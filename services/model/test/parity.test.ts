import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyModelPackage } from '@cytoclip/model';
import { REPO_ROOT } from '../../../test/support/index.js';
import { editPackageJson, FIXTURE, fixtureCopy } from './helpers.js';

// Every bundled package under models/ proves its graphs reproduce its trainer, as the fixture does.
const bundled = existsSync(join(REPO_ROOT, 'models'))
  ? readdirSync(join(REPO_ROOT, 'models'))
      .map((name) => join(REPO_ROOT, 'models', name))
      .filter((dir) => existsSync(join(dir, 'model.json')))
  : [];

describe('parity with the PyTorch reference', () => {
  for (const dir of [FIXTURE, ...bundled]) {
    it(`${dir.slice(REPO_ROOT.length + 1)}: token ids equal, embeddings within 1e-5, image files cosine ≥ 0.999`, async () => {
      const report = await verifyModelPackage(dir, { intraOpNumThreads: 1 });
      expect(report.failures).toEqual([]);
      expect(report.tokenIds.mismatches).toEqual([]);
      expect(report.textMaxAbsDiff).toBeLessThanOrEqual(1e-5);
      expect(report.pixelMaxAbsDiff).toBeLessThanOrEqual(1e-5);
      expect(report.imageMinCosine).toBeGreaterThanOrEqual(0.999);
      expect(report.ok).toBe(true);
    });
  }

  const copies: string[] = [];
  afterAll(async () => Promise.all(copies.map((d) => rm(d, { recursive: true, force: true }))));

  it('fails a package whose reference disagrees with its graphs or its tokenizer', async () => {
    const dir = await fixtureCopy();
    copies.push(dir);
    await editPackageJson(dir, 'reference.json', (ref) => {
      const text = ref.text as { inputIds: number[]; embedding: number[] }[];
      text[0]!.embedding[0] = text[0]!.embedding[0]! + 0.05;
      text[1]!.inputIds[1] = text[1]!.inputIds[1]! + 1;
      const images = ref.images as { embedding: number[] }[];
      images[0]!.embedding = images[0]!.embedding.map((x) => -x);
    });
    const report = await verifyModelPackage(dir);
    expect(report.ok).toBe(false);
    expect(report.tokenIds.mismatches).toHaveLength(1);
    expect(report.textMaxAbsDiff).toBeGreaterThan(1e-5);
    expect(report.pixelMaxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(report.imageMinCosine).toBeLessThan(0);
    expect(report.failures).toHaveLength(3);
  });

  it('rejects a reference of an unknown format', async () => {
    const dir = await fixtureCopy();
    copies.push(dir);
    await editPackageJson(dir, 'reference.json', (ref) => (ref.format = 'cytoclip-model-reference/9'));
    await expect(verifyModelPackage(dir)).rejects.toMatchObject({ code: 'unsupported_format' });
  });
});
