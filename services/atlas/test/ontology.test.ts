import { describe, expect, it } from 'vitest';
import { buildOntology, cellSpec, regionDescription } from '@cytoclip/atlas';

const REQUIRED = [
  'MZ',
  'CP',
  'SP',
  'IZ',
  'OSVZ',
  'ISVZ',
  'VZ',
  'MGE',
  'LGE',
  'CGE',
  'Cd',
  'Pu',
  'GP',
  'IC',
  'Th',
  'TRN',
  'Hy',
  'DG',
  'CA',
  'ChP',
  'CC',
  'EGL',
  'V1',
  'S1',
  'M1',
  'A1',
  'PFC',
];

describe('the ontology', () => {
  const ontology = buildOntology();
  const byAcronym = new Map(ontology.regions.map((r) => [r.acronym, r]));

  it('has at least 40 regions in one tree with every required acronym', () => {
    expect(ontology.format).toBe('cytoclip-ontology/1');
    expect(ontology.regions.length).toBeGreaterThanOrEqual(40);
    for (const a of REQUIRED) expect(byAcronym.has(a), a).toBe(true);
    expect(new Set(ontology.regions.map((r) => r.id)).size).toBe(ontology.regions.length);
    for (const region of ontology.regions) {
      const seen = new Set<string>();
      for (let r = region; r.parent; r = byAcronym.get(r.parent)!) {
        expect(byAcronym.has(r.parent), `${r.acronym}'s parent ${r.parent}`).toBe(true);
        expect(seen.has(r.acronym), `cycle at ${r.acronym}`).toBe(false);
        seen.add(r.acronym);
      }
      expect(region.description.length).toBeGreaterThan(30);
      expect(region.color).toMatch(/^#[0-9a-f]{6}$/);
    }
    expect(ontology.regions.filter((r) => r.parent === null).map((r) => r.acronym)).toEqual(['Br']);
  });

  it('describes cytoarchitecture differently where the biology changes with age', () => {
    for (const a of ['SP', 'VZ', 'CP', 'EGL', 'GE', 'V1'])
      expect(regionDescription(a, 16), a).not.toBe(regionDescription(a, 34));
    expect(regionDescription('SP', 25)).toMatch(/widest/);
    expect(regionDescription('CP', 30)).toMatch(/layer/);
  });

  it('specifies cells that tell subtle neighbours apart', () => {
    const v1 = cellSpec('V1', 30)!;
    const v2 = cellSpec('V2', 30)!;
    expect(v1.density).toBeGreaterThan(v2.density);
    expect(v1.density / v2.density).toBeLessThan(1.4);
    expect(v2.clustering).toBeGreaterThan(v1.clustering);
    const osvz = cellSpec('OSVZ', 20)!;
    const isvz = cellSpec('ISVZ', 20)!;
    expect(isvz.density).toBeGreaterThan(osvz.density);
    expect(osvz.orientation).not.toBe(isvz.orientation);
    expect(cellSpec('M1', 34)!.pyramidal).toBeGreaterThan(cellSpec('S1', 34)!.pyramidal);
  });

  it('rejects an unknown acronym and a week outside 13–40', () => {
    expect(() => regionDescription('XYZ', 20)).toThrow(/unknown region/);
    expect(() => regionDescription('CP', 12)).toThrow(/outside 13–40/);
    expect(() => regionDescription('CP', 40.5)).toThrow(/outside 13–40/);
  });
});
