import { regionImageId } from '@cytoclip/domain';
import { regionsOf, type SectionAnnotations } from './annotations.js';
import { rasteriseMask } from './raster.js';
import type { RawImage } from './raw.js';
import { prepareModelInput } from './resize.js';
import type { SectionImage } from './section.js';

export interface RegionImage {
  id: string;
  region: string;
  /** [x, y, width, height] of the region's bounding box on level 0, clipped to the section. */
  bbox: [number, number, number, number];
  /** Region area in level-0 pixels². */
  area: number;
  image: RawImage;
}

export interface CropOptions {
  atlas: string;
  section: string;
  /** Model input edge; default 224. */
  size?: number;
  resize?: 'bicubic' | 'bilinear';
  /** Default 'none': the whole region, long side to `size`, padded with background. */
  crop?: 'center' | 'none';
  /** Colour outside the region and in the padding; default white (glass). */
  background?: string;
  /** Skip regions smaller than this many level-0 pixels²; default 0. */
  minArea?: number;
}

/**
 * Masked whole-region images: per region of the section (all its polygons), the bounding box read from the
 * pyramid level nearest to model size (never coarser than needed), pixels outside the region set to the
 * background, then prepareModelInput to the region model's size.
 */
export async function* cropRegionImages(
  section: SectionImage,
  annotations: SectionAnnotations,
  options: CropOptions,
): AsyncGenerator<RegionImage> {
  const size = options.size ?? 224;
  const background = options.background ?? '#ffffff';
  const fill = hexColour(background);
  for (const feature of regionsOf(annotations)) {
    if (feature.area < (options.minArea ?? 0)) continue;
    const x0 = Math.max(0, Math.floor(feature.bbox[0]));
    const y0 = Math.max(0, Math.floor(feature.bbox[1]));
    const x1 = Math.min(section.width, Math.ceil(feature.bbox[2]));
    const y1 = Math.min(section.height, Math.ceil(feature.bbox[3]));
    if (x1 <= x0 || y1 <= y0) continue;
    const level = section.bestLevel(Math.max(x1 - x0, y1 - y0) / size);
    const ds = section.levels[level]!.downsample;
    const lx = Math.floor(x0 / ds);
    const ly = Math.floor(y0 / ds);
    const w = Math.max(1, Math.ceil(x1 / ds) - lx);
    const h = Math.max(1, Math.ceil(y1 / ds) - ly);
    const raw = await section.readRegion(lx, ly, w, h, level);
    const mask = rasteriseMask(feature, { width: w, height: h, downsample: ds, originX: lx * ds, originY: ly * ds });
    for (let i = 0; i < mask.length; i++) if (!mask[i]) raw.data.set(fill, i * 3);
    const image = await prepareModelInput(raw, {
      size,
      resize: options.resize ?? 'bicubic',
      crop: options.crop ?? 'none',
      background,
    });
    yield {
      id: regionImageId(options.atlas, options.section, feature.region),
      region: feature.region,
      bbox: [x0, y0, x1 - x0, y1 - y0],
      area: feature.area,
      image,
    };
  }
}

function hexColour(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return [255, 255, 255];
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}
