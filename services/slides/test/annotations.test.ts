import { describe, expect, it } from 'vitest';
import { isCytoclipError } from '@cytoclip/domain';
import { parseAnnotations } from '@cytoclip/slides';
import { fillPolygon, rasteriseRegions } from '../src/raster.js';
import { feature, HAND, rect, TEST_ONTOLOGY } from './fixtures.js';

function errorOf(geojson: unknown): { code: string; message: string } {
  try {
    parseAnnotations(geojson, TEST_ONTOLOGY, 'S01.geojson');
  } catch (error) {
    expect(isCytoclipError(error)).toBe(true);
    return error as { code: string; message: string };
  }
  throw new Error('expected an error');
}

const collection = (...features: object[]) => ({ type: 'FeatureCollection', features });

describe('parseAnnotations', () => {
  it('reads QuPath classification names and properties.region, matching acronyms and names', () => {
    const parsed = parseAnnotations(
      collection(
        feature('CP', [rect(0, 0, 10, 10)]),
        feature('sp', [rect(0, 0, 4, 4)], false),
        feature('Ventricular Zone', [rect(0, 0, 2, 2)]),
      ),
      TEST_ONTOLOGY,
    );
    expect(parsed.features.map((f) => f.region)).toEqual(['CP', 'SP', 'VZ']);
    expect(parsed.features[0]!.area).toBe(100);
    expect(parsed.features[0]!.bbox).toEqual([0, 0, 10, 10]);
  });

  it('subtracts holes and reads MultiPolygons', () => {
    const multi = {
      type: 'Feature',
      properties: { region: 'SP' },
      geometry: { type: 'MultiPolygon', coordinates: [[rect(0, 0, 10, 10), rect(2, 2, 4, 4)], [rect(20, 20, 30, 30)]] },
    };
    const parsed = parseAnnotations(collection(multi), TEST_ONTOLOGY);
    expect(parsed.features[0]!.area).toBe(100 - 4 + 100);
    expect(parsed.features[0]!.bbox).toEqual([0, 0, 30, 30]);
  });

  it('names the feature and the region for an unknown region', () => {
    const error = errorOf(
      collection(feature('CP', [rect(0, 0, 1, 1)]), { ...feature('XYZ', [rect(0, 0, 1, 1)]), id: 'blob-7' }),
    );
    expect(error.code).toBe('unknown_region');
    expect(error.message).toMatch(/S01\.geojson: feature #1 \(blob-7\): region "XYZ" is not in the ontology/);
  });

  it('refuses open rings, too few points, NaN and zero-area rings', () => {
    const open = rect(0, 0, 5, 5).slice(0, 4);
    open.push([1, 1]);
    expect(errorOf(collection(feature('CP', [open])))).toMatchObject({
      code: 'invalid_geometry',
      message: expect.stringMatching(/not closed/),
    });
    expect(
      errorOf(
        collection(
          feature('CP', [
            [
              [0, 0],
              [1, 1],
              [0, 0],
            ],
          ]),
        ),
      ),
    ).toMatchObject({ code: 'invalid_geometry', message: expect.stringMatching(/at least 4/) });
    const nan = rect(0, 0, 5, 5);
    nan[2] = [Number.NaN, 3];
    expect(errorOf(collection(feature('CP', [nan])))).toMatchObject({
      code: 'invalid_geometry',
      message: expect.stringMatching(/position 2/),
    });
    expect(
      errorOf(
        collection(
          feature('CP', [
            [
              [0, 0],
              [1, 1],
              [2, 2],
              [0, 0],
            ],
          ]),
        ),
      ),
    ).toMatchObject({ code: 'invalid_geometry', message: expect.stringMatching(/zero area/) });
  });

  it('refuses wrong types and features without a region', () => {
    expect(errorOf({ type: 'Feature' }).code).toBe('invalid_annotations');
    expect(errorOf(null).code).toBe('invalid_annotations');
    const line = {
      type: 'Feature',
      properties: { region: 'CP' },
      geometry: {
        type: 'LineString',
        coordinates: [
          [0, 0],
          [1, 1],
        ],
      },
    };
    expect(errorOf(collection(line))).toMatchObject({
      code: 'invalid_annotations',
      message: expect.stringMatching(/LineString/),
    });
    expect(
      errorOf(
        collection({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [rect(0, 0, 1, 1)] } }),
      ).code,
    ).toBe('missing_region');
  });
});

describe('rasteriseRegions', () => {
  it('fills by pixel centres, honours holes and lets a region inside another keep its label', () => {
    const parsed = parseAnnotations(HAND.geojson, TEST_ONTOLOGY);
    const map = rasteriseRegions(parsed.features, { width: HAND.width, height: HAND.height, downsample: 1 });
    const at = (x: number, y: number) => map.regions[map.labels[y * map.width + x]! - 1] ?? null;
    expect([
      at(50, 50),
      at(100, 100),
      at(599, 400),
      at(600, 400),
      at(799, 400),
      at(800, 300),
      at(999, 499),
      at(1000, 499),
      at(1099, 699),
      at(1100, 699),
    ]).toEqual([null, 'CP', 'CP', 'SP', 'SP', 'VZ', 'VZ', 'SP', 'SP', null]);
    // Every labelled pixel agrees with the hand-drawn polygons exactly at full resolution.
    let disagree = 0;
    for (let y = 0; y < HAND.height; y++)
      for (let x = 0; x < HAND.width; x++) {
        const c = HAND.colour(x, y);
        const expected = c[0] === 250 ? null : c[0] === 120 ? 'CP' : c[0] === 60 ? 'VZ' : 'SP';
        if (at(x, y) !== expected) disagree++;
      }
    expect(disagree).toBe(0);
  });

  it('keeps a hole empty where nothing fills it', () => {
    const parsed = parseAnnotations(collection(feature('SP', [rect(0, 0, 10, 10), rect(3, 3, 7, 7)])), TEST_ONTOLOGY);
    const map = rasteriseRegions(parsed.features, { width: 10, height: 10, downsample: 1 });
    expect(map.labels[5 * 10 + 5]).toBe(0);
    expect(map.labels[1 * 10 + 1]).toBe(1);
    expect([...map.labels].filter((v) => v === 1)).toHaveLength(100 - 16);
  });

  it('samples a coarse grid at level-0 centres', () => {
    const parsed = parseAnnotations(collection(feature('CP', [rect(0, 0, 40, 20)])), TEST_ONTOLOGY);
    const map = rasteriseRegions(parsed.features, { width: 10, height: 10, downsample: 8 });
    // Centres at 4, 12, 20, 28, 36 are inside x < 40; 44 is not. Rows at 4, 12 inside y < 20.
    expect([...map.labels].filter((v) => v === 1)).toHaveLength(5 * 2);
  });
});

describe('fillPolygon', () => {
  /** Even-odd test of a point against every edge: the definition the scanline fill must match at pixel centres. */
  function inside(rings: number[][], x: number, y: number): boolean {
    let odd = false;
    for (const ring of rings)
      for (let i = 0; i + 3 < ring.length; i += 2) {
        const [x0, y0, x1, y1] = [ring[i]!, ring[i + 1]!, ring[i + 2]!, ring[i + 3]!];
        if (y0 <= y !== y1 <= y && x < x0 + ((y - y0) / (y1 - y0)) * (x1 - x0)) odd = !odd;
      }
    return odd;
  }

  it('paints exactly the pixels whose centres are inside, for random star polygons with holes', () => {
    let seed = 3;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
    const star = (cx: number, cy: number, radius: number, points: number) => {
      const ring: number[] = [];
      for (let k = 0; k < points; k++) {
        const a = (2 * Math.PI * k) / points;
        const r = radius * (0.3 + 0.7 * random());
        ring.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
      }
      return [...ring, ring[0]!, ring[1]!];
    };
    for (let trial = 0; trial < 8; trial++) {
      const rings = [star(20, 16, 18, 5 + trial * 7), star(20, 16, 5, 4 + trial)];
      const grid = { width: 40, height: 32, downsample: 1, originX: 0, originY: 0 };
      const painted = new Uint8Array(grid.width * grid.height);
      fillPolygon(grid, rings, (row, from, to) => painted.fill(1, row + from, row + to + 1));
      for (let y = 0; y < grid.height; y++)
        for (let x = 0; x < grid.width; x++)
          expect(painted[y * grid.width + x], `trial ${trial} at ${x},${y}`).toBe(
            inside(rings, x + 0.5, y + 0.5) ? 1 : 0,
          );
    }
  });
});
