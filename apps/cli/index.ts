export { main } from './src/main.js';
export type { Command, CommandArgs, OptionDef, OptionSpec } from './src/command.js';
// The search-quality evaluation behind `cytoclip eval --queries`, for tests and scripts that score a query set.
export { parseQuerySet, readQuerySet } from './src/quality/queries.js';
export type { QueryLine, QuerySplit } from './src/quality/queries.js';
export { scoreQueries, scoreSimilar, DEFAULT_SIMILAR } from './src/quality/score.js';
export type { EvalSource, QueryScore, RankedItem, SimilarReport, TextReport } from './src/quality/score.js';
export { SEARCH_EVAL_FORMAT } from './src/quality/report.js';
export { apiSource } from './src/quality/api-source.js';
export { appClient, remoteApi } from './src/api.js';
export type { ApiClient } from './src/api.js';
export type { SearchEvalReport } from './src/quality/report.js';
