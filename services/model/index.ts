// The face other packages use (ingest, the CLI, the benches); everything else in src/ is the package's own.
export { loadModelPackage } from './src/package.js';
export { CytoclipModel } from './src/model.js';
export type { ModelOpenOptions, Precision } from './src/model.js';
export type { Device } from './src/session.js';
export { dot } from './src/vector.js';
export { verifyModelPackage } from './src/verify.js';
export { evaluateModel } from './src/eval/evaluate.js';
export { evalMarkdown } from './src/eval/markdown.js';
export { loadDataset } from './src/eval/dataset.js';
export type { Dataset, DatasetItem } from './src/eval/dataset.js';
export type { Protocol } from './src/eval/protocol.js';
export { topK } from './src/eval/metrics.js';
