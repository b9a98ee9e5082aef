import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CytoclipModel, loadModelPackage } from '@cytoclip/model';
import { sha256File, type ModelPackage } from '../src/package.js';
import { editPackageJson, FIXTURE, fixtureCopy } from './helpers.js';

async function rejection(promise: Promise<ModelPackage>) {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as { code: string; message: string; detail?: Record<string, unknown> },
  );
}

describe('loadModelPackage', () => {
  const dirs: string[] = [];
  const copy = async () => {
    const dir = await fixtureCopy();
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('loads the fixture with its files, ontology and tokenizer', async () => {
    const pkg = await loadModelPackage(FIXTURE);
    expect(pkg.manifest.format).toBe('cytoclip-model/1');
    expect(Object.keys(pkg.paths)).toEqual(expect.arrayContaining(['imageEncoder', 'textEncoder', 'tokenizer']));
    expect(pkg.ontology.regions.map((r) => r.acronym)).toEqual(expect.arrayContaining(pkg.manifest.labels.regions));
    expect(pkg.tokenizer.model).toBeTruthy();
  });

  it('names a missing file', async () => {
    const dir = await copy();
    await rm(join(dir, 'text_encoder.onnx'));
    const error = await rejection(loadModelPackage(dir));
    expect(error.code).toBe('model_file_missing');
    expect(error.message).toContain('text_encoder.onnx');
  });

  it('names a file whose sha256 differs, with both hashes', async () => {
    const dir = await copy();
    await writeFile(join(dir, 'tokenizer.json'), '{"model":{}}');
    const error = await rejection(loadModelPackage(dir));
    expect(error.code).toBe('model_file_hash_mismatch');
    expect(error.message).toContain('tokenizer.json');
    expect(error.message).toMatch(/sha256 [0-9a-f]{64}, model\.json expects [0-9a-f]{64}/);
    expect(error.detail?.expected).not.toBe(error.detail?.actual);
  });

  it('rejects an unknown format version clearly', async () => {
    const dir = await copy();
    await editPackageJson(dir, 'model.json', (doc) => (doc.format = 'cytoclip-model/2'));
    const error = await rejection(loadModelPackage(dir));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toContain('"cytoclip-model/2" is not supported');
  });

  it('rejects a model.json without model.json, bad fields or labels outside the ontology', async () => {
    const dir = await copy();
    await editPackageJson(dir, 'model.json', (doc) => ((doc.image as Record<string, unknown>).resize = 'lanczos'));
    expect((await rejection(loadModelPackage(dir))).message).toContain(
      '"image.resize" must be one of bicubic, bilinear',
    );
    const dir2 = await copy();
    await editPackageJson(dir2, 'model.json', (doc) => ((doc.labels as { regions: string[] }).regions = ['CP', 'XYZ']));
    expect((await rejection(loadModelPackage(dir2))).message).toContain('labels XYZ are not in ontology.json');
    const dir3 = await copy();
    await rm(join(dir3, 'model.json'));
    expect((await rejection(loadModelPackage(dir3))).code).toBe('model_file_missing');
  });

  it('refuses file paths that leave the package', async () => {
    const dir = await copy();
    await editPackageJson(
      dir,
      'model.json',
      (doc) => ((doc.files as Record<string, { path: string }>).tokenizer!.path = '../x.json'),
    );
    expect((await rejection(loadModelPackage(dir))).message).toContain('must stay inside the package');
  });
});

describe('graphs that do not follow the format', () => {
  it('names a graph with the wrong input or output', async () => {
    const dir = await fixtureCopy();
    try {
      // The text graph where the image graph belongs: right hash, wrong interface.
      await cp(join(dir, 'text_encoder.onnx'), join(dir, 'image_encoder.onnx'));
      const sha256 = await sha256File(join(dir, 'image_encoder.onnx'));
      await editPackageJson(
        dir,
        'model.json',
        (doc) => ((doc.files as Record<string, { sha256: string }>).imageEncoder!.sha256 = sha256),
      );
      await expect(CytoclipModel.open(dir)).rejects.toMatchObject({
        code: 'invalid_model_package',
        message: expect.stringContaining('image_encoder.onnx must take "pixel_values"'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
