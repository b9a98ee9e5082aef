import { describe, expect, it } from 'vitest';
import { boxFromCorners, NO_REFINEMENT, refinedQuery, thumb, withoutPick } from './refine.js';
import type { SearchResult } from './types.js';

const result = (id: string): SearchResult =>
  ({
    id,
    score: 0.5,
    kind: 'tile',
    region: { acronym: 'CP', name: 'cortical plate', path: ['CP'] },
    atlas: 'a',
    specimen: 'S01',
    gestationalWeek: 21,
    plane: 'coronal',
    section: 'S01-cor-0001',
    bbox: [0, 0, 112, 112],
    imageUrl: `/v1/tiles/${id}/image`,
  }) as SearchResult;

describe('refining a search', () => {
  it('sends the plain query until something is thumbed, then the query as one positive', () => {
    expect(refinedQuery({ text: 'cortex' }, NO_REFINEMENT, 'tiles')).toEqual({ text: 'cortex' });
    let r = thumb(NO_REFINEMENT, result('a'), 'up');
    r = thumb(r, result('b'), 'down');
    expect(refinedQuery({ text: 'cortex' }, r, 'tiles')).toEqual({
      positive: [{ text: 'cortex' }, { tileId: 'a' }],
      negative: [{ tileId: 'b' }],
    });
    expect(refinedQuery({ regionImageId: 'q' }, r, 'regions')).toEqual({
      positive: [{ regionImageId: 'q' }, { regionImageId: 'a' }],
      negative: [{ regionImageId: 'b' }],
    });
    expect(r.up[0]).toEqual({ id: 'a', label: 'CP · 21 GW · S01-cor-0001', imageUrl: '/v1/tiles/a/image' });
  });

  it('toggles a thumb, moves it to the other side, and removes it', () => {
    let r = thumb(NO_REFINEMENT, result('a'), 'up');
    r = thumb(r, result('a'), 'down');
    expect([r.up, r.down.map((p) => p.id)]).toEqual([[], ['a']]);
    expect(thumb(r, result('a'), 'down')).toEqual(NO_REFINEMENT);
    expect(withoutPick(r, 'a')).toEqual(NO_REFINEMENT);
  });

  it('keeps at most 15 thumbed up (the query is the 16th positive)', () => {
    let r = NO_REFINEMENT;
    for (let i = 0; i < 20; i++) r = thumb(r, result(`t${i}`), 'up');
    expect(r.up.map((p) => p.id)).toEqual(Array.from({ length: 15 }, (_, i) => `t${i + 5}`));
  });

  it('searches a drawn area with the thumbed-down results as negatives; a thumb up leaves the area', () => {
    const area = { section: 'S01-cor-0001', bbox: [10, 20, 300, 200] as [number, number, number, number] };
    const r = thumb({ ...NO_REFINEMENT, area }, result('b'), 'down');
    expect(refinedQuery({ text: 'cortex' }, r, 'tiles')).toEqual({ sectionRegion: area, negative: [{ tileId: 'b' }] });
    expect(thumb(r, result('a'), 'up').area).toBeNull();
  });

  it('reads a drawn box as level-0 pixels inside the section', () => {
    expect(boxFromCorners([0.5, 0.25], [0.25, 0.5], [1000, 800])).toEqual([250, 200, 250, 200]);
    expect(boxFromCorners([-0.2, 0.9], [0.1, 1.4], [1000, 800])).toEqual([0, 720, 100, 80]);
    expect(boxFromCorners([0.3, 0.3], [0.3, 0.6], [1000, 800])).toBeNull();
  });
});
