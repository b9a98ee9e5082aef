import { describe, expect, it } from 'vitest';
import { loadThesaurus } from '@cytoclip/domain';
import { FilterSuggester } from '../src/suggest.js';

// The thesaurus's regions under their ontology names (the demo ontology's), and two specimens.
const thesaurus = loadThesaurus();
const regions = Object.entries(thesaurus.regions).map(([acronym, e]) => ({ acronym, name: e.names[0]! }));
const suggester = new FilterSuggester(regions, thesaurus, ['S01', 'S02']);
const suggest = (text: string) => suggester.suggest(text);

describe('words as filters', () => {
  it('reads ages in gestational and post-conception weeks, single and as ranges', () => {
    expect(suggest('dentate gyrus at 22 GW')?.gestationalWeek).toEqual({ gte: 22, lte: 22 });
    expect(suggest('granule cells at 20 weeks')?.gestationalWeek).toEqual({ gte: 20, lte: 20 });
    expect(suggest('subplate neurons, 24 pcw')?.gestationalWeek).toEqual({ gte: 26, lte: 26 });
    expect(suggest('cortex gestational week 21')?.gestationalWeek).toEqual({ gte: 21, lte: 21 });
    expect(suggest('cortex from 18-24 GW')?.gestationalWeek).toEqual({ gte: 18, lte: 24 });
    expect(suggest('cortex 15 to 17 pcw')?.gestationalWeek).toEqual({ gte: 17, lte: 19 });
    expect(suggest('layer 4 of area 17')?.gestationalWeek).toBeUndefined();
  });

  it('reads planes, but not from anatomy that shares a word with one', () => {
    expect(suggest('insula on an axial section')?.planes).toEqual(['axial']);
    expect(suggest('a midsagittal cut of the corpus callosum')?.planes).toEqual(['sagittal']);
    expect(suggest('frontal section through the caudate')?.planes).toEqual(['coronal']);
    expect(suggest('horizontal neurons of the frontal cortex')?.planes).toBeUndefined();
  });

  it('names specimens and regions: synonyms, longest first, acronyms case-sensitive', () => {
    expect(suggest('fascia dentata of s02')).toEqual({ specimens: ['S02'], regions: ['DG'] });
    expect(suggest('lateral ganglionic eminence')?.regions).toEqual(['LGE']);
    expect(suggest('striate cortex and V2')?.regions).toEqual(['V1', 'V2']);
    expect(suggest('ca 1')?.regions).toBeUndefined();
    expect(suggest('CA1 and the CA fields')?.regions).toEqual(['CA']);
    expect(suggest('Betz cells')).toBeNull();
  });

  it('suggests everything a sentence says at once', () => {
    expect(suggest('dentate gyrus granule cells at 22 weeks, coronal section of S01')).toEqual({
      gestationalWeek: { gte: 22, lte: 22 },
      planes: ['coronal'],
      specimens: ['S01'],
      regions: ['DG'],
    });
  });
});
