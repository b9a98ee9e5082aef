import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipModel, loadModelPackage } from '@cytoclip/model';
import { parseModelManifest } from '@cytoclip/domain';
import { editPackageJson, FIXTURE, fixtureCopy, readJson } from './helpers.js';

/** A calibration block as `python3 -m cytoclip_trainer calibrate --write` writes it. */
export const CALIBRATION = {
  format: 'cytoclip-calibration/1',
  fittedOn: { dataset: 'tiny', split: 'val', images: 40 },
  classify: { temperature: 2.5 },
  search: { textCutoff: 0.31, textF1: 0.4, imageCutoff: 0.82, imageF1: 0.6 },
  outOfDistribution: { nearestCosine: 0.7, quantile: 0.01 },
};

async function manifestWith(calibration: unknown): Promise<unknown> {
  const doc = await readJson(join(FIXTURE, 'model.json'));
  return { ...doc, calibration };
}

describe('model.json calibration', () => {
  it('is optional: a package without one has calibration null', async () => {
    const pkg = await loadModelPackage(FIXTURE);
    expect(pkg.manifest.calibration).toBeUndefined();
  });

  it("is read with every figure the platform applies, and the trainer's other fields kept", async () => {
    const manifest = parseModelManifest(await manifestWith(CALIBRATION));
    expect(manifest.calibration).toMatchObject(CALIBRATION);
    expect(manifest.calibration!.search.textF1).toBe(0.4);
  });

  it.each([
    [{ ...CALIBRATION, format: 'cytoclip-calibration/9' }, /calibration format/],
    [{ ...CALIBRATION, classify: { temperature: 0 } }, /calibration\.classify\.temperature/],
    [{ ...CALIBRATION, classify: {} }, /calibration\.classify\.temperature/],
    [{ ...CALIBRATION, search: { textCutoff: 2, imageCutoff: 0.5 } }, /calibration\.search\.textCutoff/],
    [{ ...CALIBRATION, search: { textCutoff: 0.3 } }, /calibration\.search\.imageCutoff/],
    [{ ...CALIBRATION, outOfDistribution: { nearestCosine: 'low', quantile: 0.01 } }, /nearestCosine/],
    [{ ...CALIBRATION, outOfDistribution: undefined }, /calibration\.outOfDistribution/],
    ['yes', /"calibration" must be an object/],
  ])('refuses a malformed block, naming the field (%#)', async (calibration, message) => {
    await expect(manifestWith(calibration).then((m) => parseModelManifest(m))).rejects.toThrow(message);
  });
});

describe('CytoclipModel with a calibrated package', () => {
  let dir: string;
  let plain: CytoclipModel;
  let calibrated: CytoclipModel;
  beforeAll(async () => {
    dir = await fixtureCopy();
    await editPackageJson(dir, 'model.json', (doc) => void (doc.calibration = CALIBRATION));
    [plain, calibrated] = await Promise.all([
      CytoclipModel.open(FIXTURE, { intraOpNumThreads: 1 }),
      CytoclipModel.open(dir, { intraOpNumThreads: 1 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain.close(), calibrated.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('exposes the calibration, what it was trained on and its model card', async () => {
    expect(plain.info.calibration).toBeNull();
    expect(calibrated.info.calibration?.search.textCutoff).toBe(0.31);
    expect(calibrated.info.trainedOn).toEqual({
      dataset: 'tiny-hand-made',
      atlasGenerator: { name: 'cytoclip_trainer.fixtures', version: '1', seed: 0 },
    });
    expect(await plain.modelCard()).toMatch(/^#/);
    await rm(join(dir, 'MODEL_CARD.md'));
    expect(await calibrated.modelCard()).toBeNull();
  });

  it('classifies with the calibrated temperature: softmax(logitScale · cos / T)', async () => {
    const [image] = await plain.embedImages([join(FIXTURE, 'reference/image-0.png')]);
    const raw = await plain.zeroShotClassify(image!);
    const cooled = await calibrated.zeroShotClassify(image!);
    const explicit = await plain.zeroShotClassify(image!, undefined, { temperature: 2.5 });
    // Same ranking, flatter probabilities: T > 1 divides every logit.
    expect(cooled.map((r) => r.acronym)).toEqual(raw.map((r) => r.acronym));
    expect(cooled[0]!.probability).toBeLessThan(raw[0]!.probability);
    cooled.forEach((r, i) => expect(r.probability).toBeCloseTo(explicit[i]!.probability, 6));
    // The raw softmax reproduced by hand from the calibrated one: p ∝ exp(z), so p_T ∝ p^(1/T).
    const back = cooled.map((r) => r.probability ** 2.5);
    const sum = back.reduce((a, b) => a + b, 0);
    back.forEach((p, i) => expect(p / sum).toBeCloseTo(raw[i]!.probability, 5));
  });
});
