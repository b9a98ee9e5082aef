import { describe, expect, it } from 'vitest';
import { regionOutline, regionPolygons } from './region-outline.js';

const left = [
  [0, 0],
  [10, 0],
  [10, 8],
];
const right = [
  [50, 0],
  [60, 0],
  [60, 9],
  [50, 0],
];
const annotations = {
  type: 'FeatureCollection',
  features: [
    { properties: { region: 'VZ' }, geometry: { type: 'Polygon', coordinates: [left] } },
    { properties: { region: 'CP' }, geometry: { type: 'Polygon', coordinates: [right] } },
    { properties: { region: 'VZ' }, geometry: { type: 'MultiPolygon', coordinates: [[right]] } },
  ],
};

describe('region outline', () => {
  it("keeps every polygon of the region, rings closed, other regions' left out", () => {
    expect(regionPolygons(annotations, 'VZ')).toEqual([[[...left, left[0]]], [right]]);
    expect(regionPolygons(null, 'VZ')).toEqual([]);
  });

  it('answers a MultiPolygon for several parts, a Polygon for one, none for a region without polygons', () => {
    const item = { id: 'r1', region: 'VZ', section: 's1' };
    const [vz] = regionOutline(annotations, item, '#aa3300').features;
    expect(vz!.geometry.type).toBe('MultiPolygon');
    expect(vz!.properties.classification).toEqual({ name: 'VZ', color: [170, 51, 0] });
    const [cp] = regionOutline(annotations, { ...item, region: 'CP' }, undefined).features;
    expect(cp!.geometry).toEqual({ type: 'Polygon', coordinates: [right] });
    expect(cp!.properties.classification.color).toEqual([128, 128, 128]);
    expect(regionOutline(annotations, { ...item, region: 'SP' }, '#fff').features).toEqual([]);
  });
});
