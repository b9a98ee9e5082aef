import { describe, expect, it } from 'vitest';
import { regionLabel } from './region-label.js';

describe('a result card’s region', () => {
  it('shows the acronym and name of an annotated result', () => {
    const region = { acronym: 'CP', name: 'cortical plate', path: ['Tel', 'CP'] };
    expect(regionLabel({ region })).toEqual({ acronym: 'CP', name: 'cortical plate', unannotated: false });
  });
  it('says "unannotated" for a tile of an unannotated section (region null)', () => {
    expect(regionLabel({ region: null })).toEqual({
      acronym: 'unannotated',
      name: 'tissue of an unannotated section',
      unannotated: true,
    });
  });
});
