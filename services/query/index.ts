export { createApp, type AppOptions, type CytoclipApp } from './src/app.js';
export { serve, type Listening } from './src/serve.js';
export { configFromEnv, DEFAULT_CONFIG, type QueryConfig } from './src/config.js';
export { createLogger, type Logger } from './src/logging.js';
export type { Metrics } from './src/metrics.js';
export { OntologyIndex, type RegionNode } from './src/ontology.js';
export {
  DEFAULT_ANNOTATION,
  predictSection,
  scoreAgainstAnnotation,
  type AnnotationSettings,
} from './src/auto-annotation.js';
export { resolveAtlasPath } from './src/routes/ingest.js';
export type {
  AtlasSummary,
  Hit,
  IngestJob,
  ItemKind,
  ItemRecord,
  ModelIndex,
  ModelInfo,
  QueryCatalog,
  QueryIngest,
  QueryModel,
  QueryVectors,
  SectionRecord,
  SpecimenSummary,
} from './src/ports.js';
export { catalogPort, vectorsPort } from './src/adapters.js';
