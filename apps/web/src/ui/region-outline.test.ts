import { describe, expect, it } from 'vitest';
import { geoJsonBySection, resultsToGeoJson } from './export.js';
import { atlasWeeks, outlineOf, regionPolygons, regionView, type AnnotationFeature } from './region-outline.js';
import type { SearchResult } from './types.js';

// A whole-region result: VZ on both hemispheres of a coronal section, one image cut to the box around both parts.
const left = [
  [100, 200],
  [300, 180],
  [320, 260],
  [120, 300],
];
const hole = [
  [180, 220],
  [220, 220],
  [220, 240],
];
const right = [
  [1400, 190],
  [1640, 200],
  [1620, 290],
  [1420, 280],
  [1400, 190],
];
const features: AnnotationFeature[] = [
  { properties: { region: 'VZ' }, geometry: { type: 'Polygon', coordinates: [left, hole] } },
  { properties: { region: 'CP' }, geometry: { type: 'Polygon', coordinates: [[...left].reverse()] } },
  { properties: { region: 'VZ' }, geometry: { type: 'MultiPolygon', coordinates: [[right]] } },
];
const region: SearchResult = {
  id: 'r-vz',
  score: 0.71,
  kind: 'region',
  region: { acronym: 'VZ', name: 'ventricular zone', path: ['VZ'] },
  atlas: 'demo-fetal-nissl',
  specimen: 'S01',
  gestationalWeek: 21,
  plane: 'coronal',
  section: 'S01-cor-0040',
  bbox: [100, 180, 1540, 120],
  imageUrl: '/v1/region-images/r-vz/image',
};

describe('whole-region outlines', () => {
  it("collects every polygon of the region on the section, holes kept, rings closed, other regions' left out", () => {
    const polygons = regionPolygons(features, 'VZ');
    expect(polygons).toHaveLength(2);
    expect(polygons[0]).toHaveLength(2); // outer ring and its hole
    for (const ring of polygons.flat()) expect(ring.at(-1)).toEqual(ring[0]);
    expect(polygons[0]![0]).toEqual([...left, left[0]]);
    expect(polygons[1]![0]).toEqual(right); // already closed: not closed twice
    expect(regionPolygons(features, 'SP')).toEqual([]);
  });

  it("picks the viewer's polygons of the result's region only", () => {
    const polygons = [
      { region: 'VZ', rings: [left as [number, number][]] },
      { region: 'CP', rings: [left as [number, number][]] },
    ];
    expect(outlineOf(polygons, 'VZ').map((p) => p.region)).toEqual(['VZ']);
    expect(outlineOf(polygons, undefined)).toEqual([]);
  });

  it('fits the view to the region with a margin of its longer side, not a tile with four widths around it', () => {
    expect(regionView([100, 180, 1540, 120])).toEqual([100 - 123.2, 180 - 123.2, 1540 + 246.4, 120 + 246.4]);
    expect(regionView([0, 0, 100, 50], 0)).toEqual([0, 0, 100, 50]);
  });

  it('exports a region result as its outline (a MultiPolygon of both parts), a tile as its box', () => {
    const tile: SearchResult = { ...region, id: 't1', kind: 'tile', bbox: [10, 20, 224, 224] };
    const outlines = new Map([['r-vz', regionPolygons(features, 'VZ')]]);
    const fc = resultsToGeoJson([region, tile], 'vz', new Map([['VZ', '#aa3300']]), 1, outlines);
    const [r, t] = fc.features;
    expect(r!.geometry.type).toBe('MultiPolygon');
    expect(r!.geometry.coordinates).toEqual(outlines.get('r-vz'));
    expect(r!.properties).toMatchObject({ kind: 'region', classification: { name: 'VZ', color: [170, 51, 0] } });
    expect(t!.geometry).toEqual({
      type: 'Polygon',
      coordinates: [
        [
          [10, 20],
          [234, 20],
          [234, 244],
          [10, 244],
          [10, 20],
        ],
      ],
    });
    // One part: a plain Polygon; no outline known: the box.
    const one = resultsToGeoJson([region], 'vz', new Map(), 1, new Map([['r-vz', [[right]]]])).features[0]!;
    expect(one.geometry).toEqual({ type: 'Polygon', coordinates: [right] });
    expect(resultsToGeoJson([region], 'vz').features[0]!.geometry.type).toBe('Polygon');
    expect(geoJsonBySection([region], 'vz', new Map(), outlines).get(region.section)!.features[0]!.geometry.type).toBe(
      'MultiPolygon',
    );
  });

  it("lists the atlas's weeks once each, youngest first", () => {
    expect(atlasWeeks([{ gestationalWeek: 21 }, { gestationalWeek: 14 }, { gestationalWeek: 21 }])).toEqual([14, 21]);
  });
});
