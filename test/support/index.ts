export * from './needs.js';
export * from './postgres.js';
export * from './shared.js';
export * from './atlas.js';
