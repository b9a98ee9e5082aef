import { describe, expect, it } from 'vitest';
import { loadOntologyMapping, mappedRegions, namespaced, parseOntologyMapping } from './ontology-mapping.js';

describe('the DHARANI → platform mapping table', () => {
  const mapping = loadOntologyMapping('dharani');

  it('maps a cortical zone of an area to the platform zone, and the area where the platform has one', () => {
    expect(mappedRegions(mapping, 'CP-FCTx')).toEqual(['CP']);
    expect(mappedRegions(mapping, 'SP-PAR')).toEqual(['SP', 'PCx']);
    expect(mappedRegions(mapping, 'SGL-TEMP')).toEqual(['MZ', 'TCx']);
    expect(mappedRegions(mapping, 'SVZ-INS')).toEqual(['CWall', 'Ins']);
    // VZ- is not a prefix of SVZ-: the subventricular zone never reads as the ventricular one.
    expect(mappedRegions(mapping, 'SVZ-OCC')).toEqual(['CWall']);
  });

  it('leaves regions no rule names unmapped (they stay searchable under their own names)', () => {
    expect(mappedRegions(mapping, 'TH')).toEqual([]);
    expect(mappedRegions(mapping, 'CP')).toEqual([]); // a bare "CP" is not a cortical zone of an area
  });

  it('namespaces imported acronyms, and refuses a malformed table naming the file', () => {
    expect(namespaced('dharani', 'CP-FCTx')).toBe('dharani:CP-FCTx');
    expect(() => parseOntologyMapping({ ...mapping, prefixes: { 'CP-': 'CP' } }, 'm.json')).toThrow(
      /m\.json: "prefixes"\."CP-" must be a list/,
    );
    expect(() => parseOntologyMapping({ format: 'x' }, 'm.json')).toThrow(/m\.json: format/);
  });
});
