// The face other packages use (atlas, model, ingest); everything else in src/ is the package's own.
export type { RawImage } from './src/raw.js';
export { rawImage, toPng } from './src/raw.js';
export type { ImageInput } from './src/decode.js';
export { decodeImage } from './src/decode.js';
export { prepareModelInput } from './src/resize.js';
export type { Pyramid, SectionImage } from './src/section.js';
export { openSection, copySectionToStore, levelPipeline, readPyramid } from './src/section.js';
export type { SectionAnnotations } from './src/annotations.js';
export { parseAnnotations, regionsOf } from './src/annotations.js';
export type { TilePlan, CutTile } from './src/tiles.js';
export { planTiles, labelTiles, tileGeometry, cutTiles } from './src/tiles.js';
export { cropRegionImages } from './src/crops.js';
export { readableInPlace, linkSectionInStore, tiffLayout, type TiffLayout } from './src/in-place.js';
