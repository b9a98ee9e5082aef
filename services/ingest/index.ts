export { ingestAtlas, type IngestOptions, type IngestProgress, type IngestReport } from './src/ingest.js';
export { drainOutbox, applyWithdrawals } from './src/indexer.js';
export { removeAtlas } from './src/remove.js';
export { readAtlas, manifestPath, ATLAS_FORMAT, type AtlasFiles } from './src/atlas-files.js';
