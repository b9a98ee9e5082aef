import { describe, expect, it } from 'vitest';
import { combine, placesOf, rgb, scoreAgainstAnnotation, toGeoJson, type TilePrediction } from './auto-annotation.js';
import type { ItemRecord } from './ports.js';
import { OntologyIndex } from './ontology.js';

const ontology = new OntologyIndex([
  { id: 1, acronym: 'Br', name: 'brain', parent: null, description: '', color: '#b0b0b0' },
  { id: 2, acronym: 'CP', name: 'cortical plate', parent: 'Br', description: '', color: '#5b3fa8' },
  { id: 3, acronym: 'IZ', name: 'intermediate zone', parent: 'Br', description: '', color: '#d0e0f0' },
]);

const tile = (x: number, y: number, region: string, annotated: string | null = region): TilePrediction => ({
  tileId: `${x},${y}`,
  x,
  y,
  w: 100,
  h: 100,
  region,
  confidence: 0.5,
  method: 'knn',
  annotated,
});

describe('toGeoJson', () => {
  it('unions touching tiles into one Polygon and apart ones into a MultiPolygon, rings closed, ontology colours', () => {
    const { features } = toGeoJson(
      [tile(0, 0, 'CP'), tile(100, 0, 'CP'), tile(0, 300, 'IZ'), tile(500, 300, 'IZ'), tile(0, 100, 'CP')],
      ontology,
    );
    const cp = features.find((f) => f.properties.region === 'CP')!;
    const iz = features.find((f) => f.properties.region === 'IZ')!;
    expect(cp.geometry.type).toBe('Polygon');
    expect(cp.properties).toMatchObject({ tiles: 3, classification: { name: 'CP', color: [0x5b, 0x3f, 0xa8] } });
    // An L of three squares: six corners, the first repeated at the end.
    const [ring] = cp.geometry.coordinates as [number, number][][];
    expect(ring).toHaveLength(7);
    expect(ring![0]).toEqual(ring![6]);
    expect(iz.geometry.type).toBe('MultiPolygon');
    expect(iz.geometry.coordinates).toHaveLength(2);
  });

  it('answers an empty FeatureCollection for a section without tiles', () => {
    expect(toGeoJson([], ontology)).toEqual({ type: 'FeatureCollection', features: [] });
  });
});

describe('scoreAgainstAnnotation', () => {
  it('is the mean F1 over every region in the truth or the prediction', () => {
    // CP: TP 2, FN 1 → F1 0.8; IZ: FP 1, TP 0 → 0; accuracy 2/3. Unannotated tiles are not scored.
    const scored = scoreAgainstAnnotation([
      tile(0, 0, 'CP'),
      tile(1, 0, 'CP'),
      tile(2, 0, 'IZ', 'CP'),
      tile(3, 0, 'CP', null),
    ]);
    expect(scored!.tiles).toBe(3);
    expect(scored!.accuracy).toBeCloseTo(2 / 3);
    expect(scored!.macroF1).toBeCloseTo(0.4);
    expect(scoreAgainstAnnotation([tile(0, 0, 'CP', null)])).toBeNull();
  });
});

describe('combine', () => {
  const settings = { agreement: 0.5, zeroShotFloor: 0.8 };
  it('takes the vote when half of it agrees, zero-shot over a split vote only when it is sure', () => {
    const vote = (share: number) => ({ region: 'CP', share, neighbours: 5 });
    expect(combine(vote(0.6), { acronym: 'IZ', probability: 0.99 }, settings)).toMatchObject({
      region: 'CP',
      method: 'knn',
    });
    expect(combine(vote(0.4), { acronym: 'IZ', probability: 0.9 }, settings)).toMatchObject({
      region: 'IZ',
      method: 'zero-shot',
      confidence: 0.9,
    });
    expect(combine(vote(0.4), { acronym: 'IZ', probability: 0.7 }, settings)).toMatchObject({ region: 'CP' });
    expect(combine(null, { acronym: 'IZ', probability: 0.2 }, settings)).toMatchObject({ region: 'IZ' });
    expect(combine(null, undefined, settings)).toBeNull();
  });

  it('reads ontology colours as [r, g, b], grey when unusable', () => {
    expect(rgb('#ff8000')).toEqual([255, 128, 0]);
    expect(rgb('#f80')).toEqual([255, 136, 0]);
    expect(rgb('teal')).toEqual([128, 128, 128]);
  });
});

describe('placesOf', () => {
  it("places each tile in its own section's tissue box, 0..1 on both axes", () => {
    const item = (id: string, section: string, x: number, y: number): ItemRecord => ({
      id,
      kind: 'tile',
      atlas: 'a',
      section,
      specimen: 'S01',
      gestationalWeek: 20,
      plane: 'coronal',
      region: 'CP',
      bbox: [x, y, 10, 10],
    });
    const places = placesOf([
      item('a', 'S1', 0, 0),
      item('b', 'S1', 100, 50),
      item('c', 'S2', 1000, 1000),
      item('d', 'S2', 3000, 1000),
    ]);
    expect(places.get('a')).toEqual({ u: 0, v: 0 });
    expect(places.get('b')).toEqual({ u: 1, v: 1 });
    expect(places.get('d')).toEqual({ u: 1, v: 0 }); // one row: no height to spread over
  });
});
