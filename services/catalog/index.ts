export { openCatalog, type OpenCatalogOptions } from './src/open.js';
export type { Catalog } from './src/catalog.js';
export { defaultCollection, modelId } from './src/model-repo.js';
export { computePaths } from './src/ontology-repo.js';
export { INTERRUPTED } from './src/request-repo.js';
export type * from './src/types.js';
