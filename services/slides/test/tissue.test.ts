import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rawImage, type RawImage } from '@cytoclip/slides';
import { tissueMask, tissueShare } from '../src/tissue.js';
import { needs } from '../../../test/support/needs.js';
import { sharedDir } from '../../../test/support/shared.js';
import { close } from '../src/tissue.js';

/** Deterministic pseudo-random numbers (mulberry32), so the synthetic slide is the same every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 200×100 coarse slide: slightly grey noisy glass, a dust speck, and a tissue disc of pale neuropil dotted with
 * violet somata on its left half (about 24% of the image).
 */
function syntheticSlide(): { image: RawImage; truth: Uint8Array } {
  const w = 200;
  const h = 100;
  const rand = random(7);
  const data = new Uint8Array(w * h * 3);
  const truth = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const inside = (x - 60) ** 2 + (y - 50) ** 2 < 40 ** 2;
      truth[i] = inside ? 1 : 0;
      const noise = Math.round((rand() - 0.5) * 6);
      let c: number[] = [236 + noise, 236 + noise, 238 + noise];
      if (inside) c = rand() < 0.3 ? [110, 90, 170] : [225, 218, 240];
      data.set(c, i * 3);
    }
  for (const [dx, dy] of [
    [0, 0],
    [1, 0],
    [0, 1],
  ])
    data.set([40, 40, 40], ((20 + dy!) * w + 170 + dx!) * 3);
  return { image: rawImage(data, w, h), truth };
}

describe('tissue detection', () => {
  it('finds the tissue disc on noisy grey glass to within a few per cent', () => {
    const { image, truth } = syntheticSlide();
    const map = tissueMask(image, 8);
    let agree = 0;
    for (let i = 0; i < truth.length; i++) if (map.mask[i] === truth[i]) agree++;
    expect(agree / truth.length).toBeGreaterThan(0.97);
    expect(map.background[0]).toBeGreaterThan(230);
    expect(map.mask[50 * 200 + 150]).toBe(0); // glass
    expect(map.mask[50 * 200 + 60]).toBe(1); // tissue centre
  });

  it('calls a blank slide glass and a fully stained one tissue', () => {
    const blank = rawImage(new Uint8Array(50 * 50 * 3).fill(245), 50, 50);
    expect(tissueShare(tissueMask(blank, 1))).toBe(0);
    const stained = new Uint8Array(50 * 50 * 3);
    for (let i = 0; i < 2500; i++) stained.set([150, 120, 200], i * 3);
    expect(tissueShare(tissueMask(rawImage(stained, 50, 50), 1))).toBe(1);
  });
});

describe('tissue detection on real NISSL (../shared/reference)', () => {
  const shared = sharedDir();
  const ref = (...parts: string[]) => join(shared!, 'reference', ...parts);
  async function coarse(path: string, downsample: number): Promise<RawImage> {
    const meta = await sharp(path).metadata();
    const w = Math.ceil(meta.width! / downsample);
    const h = Math.ceil(meta.height! / downsample);
    const data = await sharp(path)
      .removeAlpha()
      .resize({ width: w, height: h, fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    return rawImage(new Uint8Array(data), w, h);
  }

  it('separates DHARANI whole fetal sections from glass', async (ctx) => {
    if (!needs('reference images', shared ? null : '../shared/reference is absent')) return ctx.skip();
    for (const week of [14, 17, 21, 24]) {
      const map = tissueMask(
        await coarse(ref('fetal-nissl-dharani', 'crops', `dharani_${week}GW_nissl_midsagittal.png`), 1),
        1,
      );
      const share = tissueShare(map);
      expect(share, `${week} GW`).toBeGreaterThan(0.35);
      expect(share, `${week} GW`).toBeLessThan(0.7);
      expect(map.mask[0], `${week} GW corner`).toBe(0);
    }
  });

  it('keeps cellular fetal tiles, whose neuropil is nearly white, as tissue', async (ctx) => {
    if (!needs('reference images', shared ? null : '../shared/reference is absent')) return ctx.skip();
    for (const name of ['test_imageS4cropped.jpg', 'Croppedtest_imageS5.jpg']) {
      // 224-px tiles at 16 coarse pixels each: d = 14.
      const share = tissueShare(tissueMask(await coarse(ref('fetal-nissl-tiles-mitra', name), 14), 14));
      expect(share, name).toBeGreaterThan(0.5);
    }
  });

  it('finds the mouse sections of a serial series and not their glass', async (ctx) => {
    if (!needs('reference images', shared ? null : '../shared/reference is absent')) return ctx.skip();
    const dir = ref('mouse-nissl-serial-ptm902', 'NisslDown');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    const shares = [];
    for (const f of files.filter((_, i) => i % 150 === 75))
      shares.push(tissueShare(tissueMask(await coarse(join(dir, f), 1), 1)));
    const median = shares.sort((a, b) => a - b)[shares.length >> 1]!;
    expect(median).toBeGreaterThan(0.15);
    expect(median).toBeLessThan(0.7);
  });
});

describe('morphological closing', () => {
  /** The definition, pixel by pixel: max (then min) over the (2r+1)² square, glass beyond the border when dilating. */
  function reference(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
    const at = (m: Uint8Array, x: number, y: number, outside: number) =>
      x < 0 || y < 0 || x >= w || y >= h ? outside : m[y * w + x]!;
    const pass = (m: Uint8Array, dilate: boolean) =>
      Uint8Array.from({ length: w * h }, (_, i) => {
        const [x, y] = [i % w, Math.floor(i / w)];
        let v = dilate ? 0 : 1;
        for (let dy = -r; dy <= r; dy++)
          for (let dx = -r; dx <= r; dx++)
            v = dilate ? Math.max(v, at(m, x + dx, y + dy, 0)) : Math.min(v, at(m, x + dx, y + dy, 1));
        return v;
      });
    return pass(pass(mask, true), false);
  }

  it('equals the square-window definition on random masks, at the borders too', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
    for (const [w, h, r, p] of [
      [17, 11, 3, 0.08],
      [5, 9, 4, 0.3],
      [30, 20, 1, 0.5],
      [8, 8, 0, 0.5],
      [2, 3, 3, 0.4],
    ] as const) {
      const mask = Uint8Array.from({ length: w * h }, () => (random() < p ? 1 : 0));
      expect(Array.from(close(mask, w, h, r)), `${w}x${h} r=${r}`).toEqual(Array.from(reference(mask, w, h, r)));
    }
  });
});
