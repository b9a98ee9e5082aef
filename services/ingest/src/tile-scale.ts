import { CytoclipError, type TileGrid } from '@cytoclip/domain';

/**
 * How much finer than a section a tile model's grid may be. A tile model reads tissue at its own µm/px (2 for
 * cytoclip-mini-tile); a coarser section (DHARANI's unannotated sections are 4 µm/px) is upsampled to it when cut,
 * at most this many times: a 2× bicubic upsample keeps the cell-body layout a 224-µm tile is judged on, beyond that
 * the tile would be mostly interpolation. Its tiles are then `upsampled`: their µm/px (the grid's) is finer than their
 * section's, which the catalog keeps side by side (tiles.microns_per_pixel < sections.microns_per_pixel).
 */
export const MAX_TILE_UPSAMPLE = 2;

/** `native`: the section is as fine as the grid or finer; `upsampled`: coarser within the limit; `too_coarse`: beyond it. */
export type TileScale = 'native' | 'upsampled' | 'too_coarse';

export function tileScale(sectionMicronsPerPixel: number, grid: TileGrid): TileScale {
  const factor = sectionMicronsPerPixel / grid.micronsPerPixel;
  const slack = 1e-6; // µm/px written with a few decimals (0.9999 against 1) is the same scale
  if (factor <= 1 + slack) return 'native';
  return factor <= MAX_TILE_UPSAMPLE + slack ? 'upsampled' : 'too_coarse';
}

/** A section that yields nothing at all: unannotated (no region images) and too coarse for every tile model. */
export function tooCoarse(section: string, micronsPerPixel: number, grids: TileGrid[]): CytoclipError {
  const finest = Math.min(...grids.map((g) => g.micronsPerPixel));
  const limit = finest * MAX_TILE_UPSAMPLE;
  return new CytoclipError(
    'section_too_coarse',
    `section ${section} is ${micronsPerPixel} µm/px, coarser than ${limit} µm/px (the tile model's ${finest} µm/px ` +
      `upsampled at most ${MAX_TILE_UPSAMPLE}×), and unannotated (no region images): nothing to embed`,
    { status: 422, detail: { section, micronsPerPixel, limit } },
  );
}
