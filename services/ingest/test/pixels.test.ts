import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CytoclipModel } from '@cytoclip/model';
import { rawImage } from '@cytoclip/slides';
import { embedTileImages } from '../src/pixels.js';
import { FIXTURE_MODEL } from './helpers.js';

describe('embedTileImages', () => {
  let model: CytoclipModel;
  beforeAll(async () => {
    model = await CytoclipModel.open(FIXTURE_MODEL, { intraOpNumThreads: 1 });
  });
  afterAll(() => model?.close());

  it('gives exactly what embedImages gives for tiles at model size, and falls back for other sizes', async () => {
    const tile = (seed: number, size = 64) => rawImage(Uint8Array.from({ length: size * size * 3 }, (_, i) => (i * 31 + seed * 17) % 256), size, size);
    const tiles = [tile(1), tile(2), tile(3)];
    const fast = await embedTileImages(model, tiles);
    const reference = await model.embedImages(tiles);
    fast.forEach((v, i) => v.forEach((x, j) => expect(Math.abs(x - reference[i]![j]!)).toBeLessThan(1e-5)));
    expect(Math.abs(fast[0]![0]! - fast[1]![0]!)).toBeGreaterThan(1e-4);
    const odd = await embedTileImages(model, [tile(4, 80)]);
    expect(odd[0]!.length).toBe(model.info.embeddingDim);
  });
});
