export { buildWebIfStale, webBuildIsStale, webDistDir, WEB_ROOT } from './src/node/build.js';
