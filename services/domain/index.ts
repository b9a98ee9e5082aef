export * from './types.js';
export * from './src/errors.js';
export * from './src/ids.js';
export * from './src/atlas-paths.js';
export * from './src/pid-lock.js';
export * from './src/lexical/index.js';
export * from './src/data-dir.js';
export * from './src/formats.js';
