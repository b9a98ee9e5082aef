// The browser-safe face of @cytoclip/domain (`@cytoclip/domain/types`): types and pure constants only, nothing that
// needs Node (the ids in index.ts hash with node:crypto), so the web app can share them instead of copying them.
export * from './src/atlas-types.js';
export * from './src/dataset-types.js';
export * from './src/filter.js';
export * from './src/error-codes.js';
