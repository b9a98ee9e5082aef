import { describe, expect, it } from 'vitest';
import { parseAtlasManifest, parseOntology } from './formats.js';

const manifest = () => ({
  format: 'cytoclip-atlas/1',
  name: 'demo',
  ontology: 'ontology.json',
  specimens: [{ id: 'S01', gestationalWeek: 21 }],
  sections: [
    {
      id: 'S01-cor-0001',
      specimen: 'S01',
      plane: 'coronal',
      index: 1,
      image: 'sections/a.tif',
      annotations: 'annotations/a.geojson',
      micronsPerPixel: 2,
      stain: 'nissl',
    },
  ],
});
const ontology = () => ({
  format: 'cytoclip-ontology/1',
  regions: [
    { id: 1, acronym: 'Tel', name: 'telencephalon', parent: null },
    { id: 2, acronym: 'CP', name: 'cortical plate', parent: 'Tel' },
  ],
});
const failure = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('did not throw');
};

describe('atlas.json', () => {
  it('reads a good manifest as it is', () => {
    expect(parseAtlasManifest(manifest(), 'atlas.json')).toEqual(manifest());
  });

  it('reads a section without annotations as unannotated', () => {
    const raw = manifest();
    delete (raw.sections[0] as { annotations?: string }).annotations;
    const parsed = parseAtlasManifest(raw, 'atlas.json');
    expect(parsed.sections[0]!.annotations).toBeUndefined();
    expect(parsed.sections[0]!.image).toBe('sections/a.tif');
  });

  it('refuses another format, unsafe or repeated ids, unknown specimens and bad section fields, naming each', () => {
    const section = (over: object) => ({ ...manifest(), sections: [{ ...manifest().sections[0], ...over }] });
    expect(failure(() => parseAtlasManifest({ ...manifest(), format: 'cytoclip-atlas/9' }, 'a.json'))).toMatchObject({
      code: 'unsupported_format',
    });
    const cases: [unknown, RegExp][] = [
      [[], /not a JSON object/],
      [{ ...manifest(), name: '../x' }, /"name"/],
      [{ ...manifest(), specimens: [{ id: 'S01', gestationalWeek: 0 }] }, /gestationalWeek/],
      [{ ...manifest(), specimens: [...manifest().specimens, ...manifest().specimens] }, /S01 appears twice/],
      [section({ specimen: 'S09' }), /unknown specimen "S09"/],
      [section({ plane: 'oblique' }), /plane/],
      [section({ index: 1.5 }), /index/],
      [section({ micronsPerPixel: 0 }), /micronsPerPixel/],
      [section({ id: 'a b' }), /not a safe id/],
      [section({ image: 3 }), /"image" must be a file path/],
      [section({ annotations: 3 }), /"annotations" must be a file path, or left out/],
      [section({ annotations: null }), /"annotations" must be a file path, or left out/],
    ];
    for (const [raw, message] of cases) {
      const error = failure(() => parseAtlasManifest(raw, 'atlas.json'));
      expect(error.code).toBe('atlas_invalid');
      expect(error.message).toMatch(message);
    }
  });
});

describe('ontology.json', () => {
  it('reads a good ontology, and refuses duplicates, unknown parents, nameless regions and none at all', () => {
    expect(parseOntology(ontology())).toEqual(ontology());
    const regions = (list: object[]) => ({ ...ontology(), regions: list });
    expect(failure(() => parseOntology({ ...ontology(), format: 'x' })).code).toBe('unsupported_format');
    for (const [raw, message] of [
      [regions([]), /"regions"/],
      [regions([...ontology().regions, ontology().regions[0]!]), /Tel appears twice/],
      [regions([{ acronym: 'CP', name: 'cortical plate', parent: 'Pal' }]), /unknown parent Pal/],
      [
        regions([...ontology().regions, { acronym: 'x:CP', name: 'x', parent: null, sameAs: ['DG'] }]),
        /unknown region DG/,
      ],
      [regions([...ontology().regions, { acronym: 'x:CP', name: 'x', parent: null, sameAs: 'CP' }]), /"sameAs"/],
      [regions([{ acronym: 'CP' }]), /needs a "name"/],
    ] as [unknown, RegExp][]) {
      const error = failure(() => parseOntology(raw, 'o.json'));
      expect(error.code).toBe('ontology_invalid');
      expect(error.message).toMatch(message);
    }
  });
});
