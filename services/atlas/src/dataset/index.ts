export { buildDataset, type BuildDatasetOptions, type BuildDatasetResult, type DatasetItem } from './build.js';
export { composeCaptions, descriptors, type CaptionInput } from './captions.js';
export { loadAtlas, type LoadedAtlas, type LoadedSection } from './load.js';
export {
  planSplits,
  DEFAULT_PROTOCOL,
  type Split,
  type SplitPlan,
  type SplitProtocol,
  type TestSet,
} from './splits.js';
