// The API's request and answer types for clients (the web app, the CLI), inferred from the zod schemas the routes are
// declared with — the same declarations /openapi.json is generated from, so a client cannot drift from the server.
// Types only (every import below is `import type`): a bundle that imports this module gets no server code.
import type { z } from '@hono/zod-openapi';
import type * as annotation from './src/annotation-answers.js';
import type * as answers from './src/answers.js';
import type * as schemas from './src/schemas.js';

/** What a client sends to POST /v1/search (defaults filled in by the server). */
export type SearchRequest = z.input<ReturnType<typeof schemas.searchSchema>>;
export type SearchQuery = z.input<typeof schemas.QuerySchema>;
export type SearchResponse = z.output<typeof schemas.SearchResponseSchema>;
export type SearchResult = SearchResponse['results'][number];
export type AppliedCutoff = z.output<typeof schemas.AppliedCutoffSchema>;
export type Notice = z.output<typeof schemas.NoticeSchema>;
export type UploadReport = z.output<typeof schemas.UploadReportSchema>;
export type Retrieval = schemas.Retrieval;

export type ClassifyRequest = z.input<typeof schemas.ClassifySchema>;
export type ClassifyAnswer = z.output<typeof schemas.ClassifyAnswerSchema>;
export type HeatmapRequest = z.input<typeof schemas.HeatmapSchema>;
export type HeatmapAnswer = z.output<typeof answers.HeatmapAnswerSchema>;
export type TrajectoryRequest = z.input<typeof schemas.TrajectorySchema>;
export type TrajectoryAnswer = z.output<typeof answers.TrajectoryAnswerSchema>;
export type IngestRequest = z.input<typeof schemas.IngestSchema>;
export type IngestJobAnswer = z.output<typeof answers.IngestJobSchema>;

export type AtlasList = z.output<typeof answers.AtlasListSchema>;
export type SpecimenList = z.output<typeof answers.SpecimenListSchema>;
export type SectionList = z.output<typeof answers.SectionListSchema>;
export type RegionTree = z.output<typeof answers.RegionTreeSchema>;
export type RegionTreeNode = answers.RegionTreeNode;
export type ModelList = z.output<typeof answers.ModelListSchema>;
export type SectionAnswer = z.output<typeof answers.SectionSchema>;
export type ItemAnswer = z.output<typeof answers.ItemSchema>;
export type Problem = z.output<typeof answers.ProblemSchema>;

export type AnnotationGeoJson = z.output<typeof annotation.AnnotationGeoJsonSchema>;
export type AnnotationTiles = z.output<typeof annotation.AnnotationTilesSchema>;
export type TilePrediction = z.output<typeof annotation.TilePredictionSchema>;
export type WhyAnswer = z.output<typeof annotation.WhySchema>;
