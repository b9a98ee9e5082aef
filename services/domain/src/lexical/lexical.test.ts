import { describe, expect, it } from 'vitest';
import { analyze, foldPlural } from './analyzer.js';
import { AnnotationText, loadThesaurus, type LexicalRegion } from './annotation-text.js';
import { BM25, documentVector, lexicalQuery, termId } from './sparse.js';

describe('analyzer', () => {
  it('lower-cases, drops accents, stop words and punctuation, keeps acronyms whole', () => {
    expect(analyze('Cajal–Retzius cells of the Régio CA1, in V1 (layer IV)')).toEqual([
      'cajal',
      'retzius',
      'cell',
      'regio',
      'ca1',
      'v1',
      'layer',
      'iv',
    ]);
    // An acronym is never a stop word nor folded; the same letters as a word are.
    expect(analyze('IS is CS cs')).toEqual(['is', 'cs', 'cs']);
    expect(analyze('granule cells at 22 GW, 20 pcw, coronal section')).toEqual([
      'granule',
      'cell',
      '22',
      'gw',
      '20',
      'coronal',
    ]);
  });

  it('folds plurals and spellings so documents and queries meet', () => {
    const pairs: [string, string][] = [
      ['neurons', 'neuron'],
      ['nuclei', 'nucleus'],
      ['gyri', 'gyrus'],
      ['bodies', 'body'],
      ['masses', 'mass'],
      ['branches', 'branch'],
      ['thalamus', 'thalamus'],
      ['fibers', 'fibre'],
      ['gray', 'grey'],
      ['axis', 'axis'],
    ];
    for (const [word, folded] of pairs) expect(foldPlural(word)).toBe(folded);
    expect(analyze('Fetal FIBRES')).toEqual(analyze('foetal fiber'));
  });
});

describe('sparse vectors', () => {
  it('hashes terms to unsigned 32-bit ids (FNV-1a), stable across runs', () => {
    expect(termId('a')).toBe(0xe40c292c);
    expect(termId('subplate')).toBe(termId('subplate'));
    expect(termId('é')).not.toBe(termId('e'));
  });

  it('weighs a document by saturated, length-normalised term frequency; a query by 1 per distinct term', () => {
    const doc = documentVector(['cell', 'cell', 'layer']);
    const norm = BM25.k1 * (1 - BM25.b + (BM25.b * 3) / BM25.avgTerms);
    const weight = (tf: number) => (tf * (BM25.k1 + 1)) / (tf + norm);
    expect(doc.indices).toEqual([termId('cell'), termId('layer')].sort((a, b) => a - b));
    expect(doc.values[doc.indices.indexOf(termId('cell'))]).toBeCloseTo(weight(2), 10);
    expect(doc.values[doc.indices.indexOf(termId('layer'))]).toBeCloseTo(weight(1), 10);
    const query = lexicalQuery('cells, the cells and layers');
    expect(query.values).toEqual([1, 1]);
    expect(lexicalQuery('of the and')).toEqual({ indices: [], values: [] });
  });
});

describe('annotation text', () => {
  const regions: LexicalRegion[] = [
    { acronym: 'Pal', name: 'pallium', description: 'Dorsal telencephalon.', path: ['Pal'] },
    { acronym: 'HF', name: 'hippocampal formation', description: 'The hippocampus.', path: ['Pal', 'HF'] },
    { acronym: 'DG', name: 'dentate gyrus', description: 'Granule cell band.', path: ['Pal', 'HF', 'DG'] },
    { acronym: 'X9', name: 'a lab region', description: 'Our own.', path: ['Pal', 'X9'] },
    // An imported ontology reusing an acronym of the thesaurus for another structure.
    { acronym: 'CA', name: 'caudate', description: 'Not the cornu ammonis.', path: ['CA'] },
  ];
  const text = new AnnotationText(regions, loadThesaurus());

  it("holds the region's names, synonyms, abbreviations, cell types, description, age looks, ancestors, looks, position and functions", () => {
    const terms = analyze(text.text('DG', 16));
    for (const word of [
      'dentate',
      'fascia',
      'dentata',
      'dg',
      'fd',
      'granule',
      'mossy',
      'band',
      'hippocampal',
      'pallium',
    ])
      expect(terms).toContain(word);
    const ages = new AnnotationText(regions, loadThesaurus(), ['ages']);
    expect(analyze(ages.text('DG', 16))).toContain('forming'); // the 14–19 GW look
    expect(analyze(ages.text('DG', 30))).not.toContain('forming');
    expect(analyze(ages.text('DG', 30))).toContain('added'); // the 20–39 GW one
    expect(analyze(text.text('DG', 30))).toEqual(expect.arrayContaining(['hilus', 'memory', 'crescent']));
  });

  it('uses only its own words for a region the thesaurus lacks or names otherwise', () => {
    expect(text.text('X9', 20)).toBe('a lab region . X9 . Our own. . pallium');
    expect(analyze(text.text('CA', 20))).not.toContain('ammon');
    expect(text.text('nope', 20)).toBe('');
  });

  it('memoises one vector per region and age', () => {
    expect(text.vector('DG', 20)).toBe(text.vector('DG', 20));
    expect(text.vector('DG', 20).indices.length).toBeGreaterThan(20);
  });
});
