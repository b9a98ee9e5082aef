import AdmZip from 'adm-zip';
import { describe, expect, it } from 'vitest';
import {
  chaikin,
  heatRange,
  insideRings,
  labelPoint,
  scaleBar,
  simplifyRing,
  smoothOutline,
  type Ring,
} from './geometry.js';
import { matchingRegions } from './region-search.js';
import type { RegionNode } from './types.js';
import { crc32, zipStore } from './zip.js';

/** A pixel staircase: the outline a mask tracer gives a disc of radius r (one vertex per pixel corner). */
function staircase(r: number): Ring {
  const ring: Ring = [];
  for (let a = 0; a < 360; a += 2) {
    const [x, y] = [Math.round(r * Math.cos((a * Math.PI) / 180)), Math.round(r * Math.sin((a * Math.PI) / 180))];
    const last = ring[ring.length - 1];
    if (last && last[0] !== x && last[1] !== y) ring.push([x, last[1]]);
    if (!last || last[0] !== x || last[1] !== y) ring.push([x, y]);
  }
  return ring;
}

const turn = (ring: Ring, i: number) => {
  const [a, b, c] = [ring[(i + ring.length - 1) % ring.length]!, ring[i]!, ring[(i + 1) % ring.length]!];
  const [u, v] = [Math.atan2(b[1] - a[1], b[0] - a[0]), Math.atan2(c[1] - b[1], c[0] - b[0])];
  return Math.abs(((v - u + 3 * Math.PI) % (2 * Math.PI)) - Math.PI);
};

describe('region outlines', () => {
  it('smooths a pixel staircase: no right-angle corners left, still within a pixel or two of the disc', () => {
    const stairs = staircase(40);
    expect(Math.max(...stairs.map((_, i) => turn(stairs, i)))).toBeCloseTo(Math.PI / 2, 5);
    const smooth = smoothOutline(stairs);
    expect(Math.max(...smooth.map((_, i) => turn(smooth, i)))).toBeLessThan(Math.PI / 4);
    for (const [x, y] of smooth) expect(Math.abs(Math.hypot(x, y) - 40)).toBeLessThan(2.5);
  });
  it('simplifies within the tolerance and keeps a square a square', () => {
    const square: Ring = [
      [0, 0],
      [5, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 5],
      [0, 0],
    ];
    expect(simplifyRing(square, 0.5)).toEqual([
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
    ]);
    expect(chaikin(simplifyRing(square, 0.5), 1)).toHaveLength(8);
  });
  it('hit-tests a click with holes, and puts a label inside even a crescent', () => {
    const outer: Ring = [
      [0, 0],
      [100, 0],
      [100, 100],
      [0, 100],
    ];
    const hole: Ring = [
      [20, 20],
      [80, 20],
      [80, 80],
      [20, 80],
    ];
    expect(insideRings([10, 50], [outer, hole])).toBe(true);
    expect(insideRings([50, 50], [outer, hole])).toBe(false);
    expect(insideRings([150, 50], [outer])).toBe(false);
    // A "C": its centroid falls in the opening, outside the region.
    const crescent: Ring = [
      [0, 0],
      [100, 0],
      [100, 20],
      [20, 20],
      [20, 80],
      [100, 80],
      [100, 100],
      [0, 100],
    ];
    expect(insideRings(labelPoint([crescent]), [crescent])).toBe(true);
  });
});

describe('scale bar and heatmap scale', () => {
  it('picks a round length of at most the budget', () => {
    expect(scaleBar(2, 120)).toEqual({ microns: 200, px: 100, label: '200 µm' });
    expect(scaleBar(10, 120)).toEqual({ microns: 1000, px: 100, label: '1 mm' });
    expect(scaleBar(0.05, 120)).toMatchObject({ microns: 5, label: '5 µm' });
    expect(scaleBar(0.25, 100).px).toBeLessThanOrEqual(100);
  });
  it("colours a heatmap by the section's own range, or by one fixed range shared by every section", () => {
    expect(heatRange([0.2, 0.5, 0.3], null)).toEqual([0.2, 0.5]);
    expect(heatRange([0.2, 0.5, 0.3], [0.13, 0.9])).toEqual([0.13, 0.9]);
    expect(heatRange([], null)).toEqual([0, 1]);
  });
});

describe('region tree search', () => {
  const node = (acronym: string, name: string, children: RegionNode[] = []): RegionNode => ({
    acronym,
    name,
    parent: null,
    children,
  });
  const tree = [
    node('Br', 'brain', [
      node('Tel', 'telencephalon', [node('CP', 'cortical plate'), node('SP', 'subplate')]),
      node('Mb', 'midbrain'),
    ]),
  ];
  it('keeps matches by acronym or name (any case, every word) with their ancestors', () => {
    expect([...matchingRegions(tree, 'plate')].sort()).toEqual(['Br', 'CP', 'SP', 'Tel']);
    expect([...matchingRegions(tree, 'CORTICAL pl')].sort()).toEqual(['Br', 'CP', 'Tel']);
    expect([...matchingRegions(tree, 'mb')]).toEqual(['Br', 'Mb']);
    expect(matchingRegions(tree, 'pons').size).toBe(0);
  });
});

describe('zip of GeoJSON files', () => {
  it('writes an archive another reader opens, with each file intact', () => {
    const encoder = new TextEncoder();
    const files = [
      { name: 'S01-cor-0040.geojson', data: encoder.encode('{"type":"FeatureCollection","features":[]}') },
      { name: 'S02-sag-0003.geojson', data: encoder.encode('{"a":"µm"}') },
    ];
    const zip = new AdmZip(Buffer.from(zipStore(files)));
    expect(zip.getEntries().map((e) => e.entryName)).toEqual(files.map((f) => f.name));
    expect(zip.readAsText('S02-sag-0003.geojson')).toBe('{"a":"µm"}');
    expect(crc32(encoder.encode('123456789'))).toBe(0xcbf43926);
  });
});
