export { CALIBRATION_FORMAT, MODEL_FORMAT, parseModelManifest, parseOntology } from './src/manifest.js';
export type { Calibration, ImageSpec, ModelFileEntry, ModelManifest, TextSpec } from './src/manifest.js';
export { loadModelPackage, sha256File } from './src/package.js';
export type { ModelPackage } from './src/package.js';
export { CytoclipModel } from './src/model.js';
export type { ModelInfo, ModelOpenOptions, RegionScore, TrainedOn } from './src/model.js';
export { CUDA_HELP } from './src/session.js';
export type { Device } from './src/session.js';
export { TextTokenizer } from './src/text.js';
export { fillTemplate, regionPrompts } from './src/prompts.js';
export { cosine, dot, l2normalize } from './src/vector.js';
export {
  verifyModelPackage,
  readReference,
  EMBEDDING_TOLERANCE,
  IMAGE_MIN_COSINE,
  REFERENCE_FORMAT,
} from './src/verify.js';
export type { ModelReference, VerifyReport } from './src/verify.js';
export { evaluateModel, EVAL_FORMAT } from './src/eval/evaluate.js';
export type { EvalReport, EvaluateOptions, TestSetReport } from './src/eval/evaluate.js';
export { evalMarkdown } from './src/eval/markdown.js';
export { loadDataset, leafRegions, DATASET_FORMAT } from './src/eval/dataset.js';
export type { Dataset, DatasetItem, Split } from './src/eval/dataset.js';
export { DEFAULT_PROTOCOL, TEST_SETS, drawSets } from './src/eval/protocol.js';
export type { Protocol, TestSetName } from './src/eval/protocol.js';
export { classificationMetrics, f1, knnVote, precisionAtK, rankOf, recallAtK, topK } from './src/eval/metrics.js';
export type { ClassificationMetrics } from './src/eval/metrics.js';
