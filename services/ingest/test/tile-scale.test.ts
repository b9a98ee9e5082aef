import { describe, expect, it } from 'vitest';
import { keptTiles } from '../src/section-job.js';
import { MAX_TILE_UPSAMPLE, tileScale, tooCoarse } from '../src/tile-scale.js';

const TILE_MODEL = { micronsPerPixel: 2, size: 112 }; // cytoclip-mini-tile's grid

describe('a section against a tile model’s µm/px', () => {
  it('cuts a section as fine or finer as it is, upsamples one up to 2× coarser, and cuts no tiles beyond', () => {
    expect(MAX_TILE_UPSAMPLE).toBe(2);
    expect(tileScale(0.5, TILE_MODEL)).toBe('native');
    expect(tileScale(1, TILE_MODEL)).toBe('native'); // DHARANI's annotated sections
    expect(tileScale(2, TILE_MODEL)).toBe('native');
    expect(tileScale(3, TILE_MODEL)).toBe('upsampled');
    expect(tileScale(4, TILE_MODEL)).toBe('upsampled'); // DHARANI's unannotated sections: 2× exactly
    expect(tileScale(4.0000001, TILE_MODEL)).toBe('upsampled'); // a µm/px written with a rounding error
    expect(tileScale(4.1, TILE_MODEL)).toBe('too_coarse');
    expect(tileScale(8, TILE_MODEL)).toBe('too_coarse');
  });

  it('names the section, its µm/px and the limit when nothing can be embedded', () => {
    const error = tooCoarse('S01_13', 8, [TILE_MODEL]);
    expect(error).toMatchObject({ code: 'section_too_coarse', status: 422 });
    expect(error.detail).toEqual({ section: 'S01_13', micronsPerPixel: 8, limit: 4 });
    expect(error.message).toMatch(/section S01_13 is 8 µm\/px, coarser than 4 µm\/px/);
  });
});

describe('the tiles a section keeps', () => {
  const tiles = [{ region: 'CP' }, { region: null }, { region: 'SP' }];
  it('keeps every tissue tile of an unannotated section, region null', () => {
    expect(keptTiles(tiles, false)).toEqual(tiles);
  });
  it('drops the tissue outside every annotation of an annotated section', () => {
    expect(keptTiles(tiles, true)).toEqual([{ region: 'CP' }, { region: 'SP' }]);
  });
});
