export * from './src/atlas-types.js';
export * from './src/filter.js';
export * from './src/errors.js';
export * from './src/ids.js';
