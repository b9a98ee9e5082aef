import { describe, expect, it } from 'vitest';
import type { SearchResponse } from '@cytoclip/query/api-types';
import { table } from '../src/commands/search.js';

const result = (region: SearchResponse['results'][number]['region']) => ({
  id: '11111111-1111-5111-8111-111111111111',
  score: 0.5,
  region,
  gestationalWeek: 16,
  plane: 'sagittal',
  specimen: 'Specimen_1',
  section: 'Specimen_1_13',
});

describe('the search table', () => {
  it('names the region of an annotated result and says "unannotated" for region null', () => {
    const answer = {
      results: [result({ acronym: 'CP', name: 'cortical plate', path: ['Br', 'CP'] }), result(null)],
      total: 2,
      model: 'm@1',
      tookMs: 3,
      unknownWords: [],
    } as unknown as SearchResponse;
    const [, first, second] = table(answer).split('\n');
    expect(first).toMatch(/^ {2}1 {2}0\.500 {2}CP {7}GW 16 /);
    expect(second).toMatch(/^ {2}2 {2}0\.500 {2}unannotated GW 16 /);
  });
});
