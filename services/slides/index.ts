export type { RawImage } from './src/raw.js';
export { rawImage, toPng, cropRaw, sharpFromRaw } from './src/raw.js';
export type { ImageInput, DecodeOptions } from './src/decode.js';
export { decodeImage, DEFAULT_LIMIT_INPUT_PIXELS } from './src/decode.js';
export type { ModelInputOptions } from './src/resize.js';
export { prepareModelInput, modelInputGeometry } from './src/resize.js';
export type { SectionImage, SectionLevel, OpenSectionOptions } from './src/section.js';
export { openSection, copySectionToStore } from './src/section.js';
export { writePyramid, cachedPyramid, hasVips, VIPS_ONLY_EXTENSIONS } from './src/convert.js';
