import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelManifest } from './model-manifest.js';

// The bundled packages' model.json as the trainer wrote them: what every reader must accept as it is.
const bundled = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../models/${name}/model.json`, import.meta.url), 'utf8'));

const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string; status: number; detail: Record<string, unknown> };
  }
  throw new Error('did not throw');
};

/** The tile package's model.json with one change made by `edit` (which reaches into it freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const edited = (edit: (doc: Record<string, any>) => void) => {
  const doc = bundled('cytoclip-mini-tile');
  edit(doc);
  return doc;
};

describe('model.json', () => {
  it.each(['cytoclip-mini-tile', 'cytoclip-mini-region'])('reads the bundled %s package', (name) => {
    const raw = bundled(name);
    const manifest = parseModelManifest(raw);
    expect(manifest).toMatchObject({
      format: 'cytoclip-model/1',
      name,
      variant: name.endsWith('tile') ? 'tile' : 'region',
      embeddingDim: raw.embeddingDim,
      labels: raw.labels,
      promptTemplates: raw.promptTemplates,
    });
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['imageEncoder', 'textEncoder', 'tokenizer']));
    expect(manifest.calibration?.format).toBe('cytoclip-calibration/1');
  });

  it('refuses an unknown format before reading anything else', () => {
    const error = failure(() => parseModelManifest({ format: 'cytoclip-model/2' }));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toBe(
      'model.json: format "cytoclip-model/2" is not supported (this runtime reads "cytoclip-model/1")',
    );
  });

  it.each([
    ['a list', () => [], '(top level)', 'must be an object'],
    ['no name', edited((d) => delete d.name), 'name', 'must be a non-empty string'],
    ['a third variant', edited((d) => (d.variant = 'slide')), 'variant', 'must be one of region, tile'],
    ['a resize it cannot do', edited((d) => (d.image.resize = 'lanczos')), 'image.resize', 'must be one of'],
    ['a zero std', edited((d) => (d.image.std = [0.2, 0, 0.2])), 'image.std', 'must be positive'],
    [
      'a negative scale',
      edited((d) => (d.image.micronsPerPixel = -2)),
      'image.micronsPerPixel',
      'must be positive or null',
    ],
    ['a short context', edited((d) => (d.text.contextLength = 2)), 'text.contextLength', 'must be an integer ≥ 3'],
    ['no labels', edited((d) => (d.labels.regions = [])), 'labels.regions', 'must be a non-empty list of strings'],
    ['a zero logit scale', edited((d) => (d.logitScale = 0)), 'logitScale', 'must be a positive number'],
    ['no tokenizer', edited((d) => delete d.files.tokenizer), 'files.tokenizer', 'is required'],
    [
      'a short hash',
      edited((d) => (d.files.tokenizer.sha256 = 'abc')),
      'files.tokenizer.sha256',
      'must be 64 hex digits',
    ],
    [
      'a path out',
      edited((d) => (d.files.tokenizer.path = '../x.json')),
      'files.tokenizer.path',
      'must stay inside the package',
    ],
    [
      'a cutoff out of range',
      edited((d) => (d.calibration.search.textCutoff = 2)),
      'calibration.search.textCutoff',
      'must be a number in [-1, 1]',
    ],
  ])('refuses %s, naming the field', (_, doc, field, why) => {
    const error = failure(() => parseModelManifest(typeof doc === 'function' ? doc() : doc));
    expect(error.code).toBe('invalid_model_package');
    expect(error.message).toContain(`model.json: "${field}" ${why}`);
    expect(error.detail).toEqual({ file: 'model.json', field });
  });

  it('refuses a calibration of another format, and names the file it was given', () => {
    const doc = edited((d) => (d.calibration.format = 'cytoclip-calibration/9'));
    const error = failure(() => parseModelManifest(doc, 'models/x/model.json'));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toMatch(/^models\/x\/model\.json: calibration format "cytoclip-calibration\/9"/);
  });

  it('reads a package without calibration, and keeps the trainer fields it does not check', () => {
    const manifest = parseModelManifest(edited((d) => delete d.calibration));
    expect(manifest.calibration).toBeUndefined();
    expect(manifest.training).toEqual(bundled('cytoclip-mini-tile').training);
  });
});
