// Importers of published atlases into the cytoclip-atlas/1 format (one folder per source).
export { importDharani, DHARANI_CITATION, type DharaniImportOptions, type ImportedAtlas } from './dharani/import.js';
export { DHARANI_SPECIMENS, gestationalWeekOf, type DharaniSpecimen } from './dharani/specimens.js';
export { convertOntology, type ConvertedOntology } from './dharani/ontology.js';
export { convertAnnotations, type AnnotationStats, type SkipReason } from './dharani/annotations.js';
export { summaryText, type ImportReport, type ImportFailure } from './dharani/report.js';
export type { DharaniSectionEntry, DharaniSource } from './dharani/section.js';
export { repairPolygon, unitePolygons } from './repair.js';
export { parseCsv } from './csv.js';
