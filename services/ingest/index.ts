export { ingestAtlas, type IngestOptions, type IngestProgress, type IngestReport } from './src/ingest.js';
export { drainOutbox } from './src/indexer.js';
export { readAtlas, manifestPath, ATLAS_FORMAT, type AtlasFiles } from './src/atlas-files.js';
