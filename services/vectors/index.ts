export type {
  CollectionInfo,
  CollectionSpec,
  DeleteWhere,
  FieldSummary,
  GroupField,
  GroupOptions,
  LexicalCoverage,
  LexicalHit,
  LexicalOptions,
  PointGroup,
  PointPayload,
  ScoredPoint,
  SearchOptions,
  SearchPage,
  SparseVector,
  StoredPoint,
  SummaryField,
  VectorPoint,
  VectorStore,
} from './src/types.js';
export { openVectorStore, type OpenVectorStoreOptions } from './src/open.js';
export { EmbeddedVectorStore } from './src/embedded/store.js';
export type { CollectionStats, CompactionReport } from './src/embedded/collection.js';
export { openStoreThread, type EmbeddedStore } from './src/embedded/threaded.js';
export { QdrantVectorStore, type QdrantOptions } from './src/qdrant/store.js';
export { validateFilter, MAX_WINDOW } from './src/validate.js';
export { mulberry32 } from './src/random.js';
export { DATA_VERSION, staleDataMessage, type StaleCollection } from './src/data-version.js';
export { MAX_GROUPS, MAX_PER_GROUP } from './src/groups.js';
