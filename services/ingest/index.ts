export { ingestAtlas, type IngestOptions, type IngestProgress, type IngestReport } from './src/ingest.js';
export { drainOutbox, applyWithdrawals } from './src/indexer.js';
export { removeAtlas } from './src/remove.js';
export { readAtlas, manifestPath, ATLAS_FORMAT, type AtlasFiles } from './src/atlas-files.js';
export { reindexLexical, type ReindexOptions, type ReindexedCollection } from './src/reindex.js';
export { annotationText, withLexical } from './src/lexical.js';
