export { GENERATOR_NAME, GENERATOR_VERSION } from './src/version.js';
export { generateAtlas, type GenerateOptions, type GenerateResult, type GenerateStats } from './src/generate.js';
export { PRESETS, HELD_OUT_WEEKS, type Preset, type SpecimenPlan, type SectionPlan } from './src/presets.js';
export {
  buildOntology,
  regionDescription,
  regionDescription as description,
  REGION_ACRONYMS,
  labelOf,
  acronymOf,
} from './src/ontology.js';
export { cellSpec, type CellSpec } from './src/render/cells.js';
export { separation, tileSignature, type TileSignature } from './src/render/signature.js';
export { somaSpacing } from './src/render/cellfield.js';
export { ALL_NUISANCES, NO_NUISANCES, type Nuisances } from './src/render/nuisance.js';
export { FetalBrain, newProbe, type Probe } from './src/anatomy/brain.js';
export { wallProfile, WALL_ZONES, type WallZone } from './src/anatomy/growth.js';
export { planSection, renderWhole, sectionAnnotations, type SectionRequest, type PlannedSection } from './src/build.js';
export { toPixel, toBrain, type SectionGeometry, type LabelMap } from './src/section.js';
export { labelPolygons, pointInRing } from './src/polygons.js';
// The one writer of an atlas folder's files, and `cytoclip atlas init` (a lab's folder of images, GeoJSON and a CSV).
export { writeAtlasFiles, type AtlasFiles, type WrittenAtlasFiles } from './src/atlas-files.js';
export { initAtlas, type AtlasInitOptions, type AtlasInitResult } from './src/init.js';
// The dataset builder (src/dataset, its own README section) shares this package's public face.
export * from './src/dataset/index.js';
// Importers of published atlases (DHARANI), documented in this package's README.
export * from './src/import/index.js';
