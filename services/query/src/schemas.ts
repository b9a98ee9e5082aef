import { z } from '@hono/zod-openapi';
import { PLANES } from '@cytoclip/domain/types';
import { RegionRefSchema } from './answers.js';
import {
  ExampleListSchema,
  ITEM_KINDS,
  itemFields,
  MAX_EXAMPLES,
  QueryVectorSchema,
  SectionRegionSchema,
} from './example-schemas.js';
import { idText } from './ids.js';

// Request and answer shapes of formats.md §4. Objects are strict: an unknown field is a mistake worth naming.

export const FilterSchema = z
  .strictObject({
    gestationalWeek: z
      .strictObject({ gte: z.number().finite().optional(), lte: z.number().finite().optional() })
      .optional(),
    planes: z.array(z.enum(PLANES)).max(3).optional(),
    // Filter values reach SQL and the stores as text: refused like ids when they hold NUL or broken UTF-8.
    specimens: z.array(idText()).max(1000).optional(),
    atlases: z.array(idText()).max(1000).optional(),
    regions: z.array(idText()).max(1000).optional(),
    sections: z.array(idText()).max(10_000).optional(),
  })
  .openapi('SearchFilter');

export const QuerySchema = z
  .strictObject({
    ...itemFields,
    // Several examples, a raw embedding, a region of interest: services/query/README.md "Several examples".
    positive: ExampleListSchema.optional().openapi({
      description: `up to ${MAX_EXAMPLES} examples to look like, combined as their weighted mean`,
    }),
    negative: ExampleListSchema.optional().openapi({
      description: `up to ${MAX_EXAMPLES} examples to look unlike (with any positive kind): q = 2·mean(positive) − mean(negative)`,
    }),
    vector: QueryVectorSchema.optional(),
    sectionRegion: SectionRegionSchema.optional(),
  })
  .refine((q) => queryKinds(q) === 1 || (queryKinds(q) === 0 && q.negative !== undefined), {
    message: 'give exactly one of text, image, tileId, regionImageId, positive, vector, sectionRegion',
  })
  .openapi('Query');

function queryKinds(q: Record<string, unknown>): number {
  const kinds = [...ITEM_KINDS, 'positive', 'vector', 'sectionRegion'];
  return kinds.filter((k) => q[k] !== undefined).length;
}

/** The query's words: its text, or the text of its positive examples (what the lexical list and suggestions read). */
export function queryWords(query: QueryInput): string | undefined {
  if (query.text !== undefined) return query.text;
  const texts = (query.positive ?? []).flatMap((p) => (p.text === undefined ? [] : [p.text]));
  return texts.length ? texts.join(' ') : undefined;
}

/**
 * How results are retrieved: `hybrid` (default) fuses the dense and the lexical list by reciprocal rank fusion,
 * `dense` ranks by the cosine of CytoCLIP embeddings, `lexical` by BM25 over the items' annotation text.
 */
export const RETRIEVALS = ['hybrid', 'dense', 'lexical'] as const;
export type Retrieval = (typeof RETRIEVALS)[number];
const RetrievalSchema = z.enum(RETRIEVALS).openapi('Retrieval', {
  description:
    'how results are retrieved. `hybrid` (default): the dense list and the lexical list (BM25 over each annotated ' +
    "item's region names, synonyms, abbreviations, cell types, description and ancestors) fused by reciprocal rank " +
    'fusion; `dense`: the cosine of the query and item embeddings; `lexical`: BM25 alone (needs query.text). ' +
    '`score` is the dense cosine in every mode. A query without text, or data without lexical vectors, is ranked ' +
    'by the dense list (the latter with a notice)',
});

/** `auto` (default): the model's calibrated relevance cutoff; `none`: every item ranked. An explicit minScore replaces both. */
export const CUTOFFS = ['auto', 'none'] as const;
const CutoffSchema = z.enum(CUTOFFS).openapi('Cutoff', {
  description:
    "`auto`: the model's cutoff fitted on validation data (search.textCutoff for text, search.imageCutoff for an " +
    'image, tile or region image; none for a model without calibration); `none`: no cutoff; `minScore` replaces both',
});
/** The scale of an uploaded image; a tile model resamples it to its own µm/px and tiles it. */
export const MicronsPerPixelSchema = z.number().positive().max(1000).openapi({
  description: 'µm per pixel of the uploaded image (else read from TIFF/OME metadata, else unknown)',
});

export function searchSchema(maxLimit: number, maxWindow: number) {
  return z
    .strictObject({
      query: QuerySchema,
      target: z.enum(['tiles', 'regions']).default('tiles'),
      filter: FilterSchema.default({}),
      limit: z.number().int().min(1).max(maxLimit).default(20),
      offset: z.number().int().min(0).max(maxWindow).default(0),
      minScore: z.number().min(-1).max(1).optional(),
      perSection: z.number().int().min(1).max(maxLimit).optional(),
      model: z.string().min(1).max(200).optional(),
      retrieval: RetrievalSchema.default('hybrid'),
      cutoff: CutoffSchema.default('auto'),
      micronsPerPixel: MicronsPerPixelSchema.optional(),
    })
    .refine((s) => s.micronsPerPixel === undefined || s.query.image !== undefined, {
      message: 'micronsPerPixel describes an uploaded image: give it with query.image or POST /v1/search/image',
      path: ['micronsPerPixel'],
    })
    .refine((s) => s.retrieval !== 'lexical' || queryWords(s.query) !== undefined, {
      message: 'lexical retrieval ranks words: give query.text (or text among query.positive), or use hybrid or dense',
      path: ['retrieval'],
    })
    .refine((s) => s.offset + s.limit <= maxWindow, {
      message: `offset + limit must be at most ${maxWindow}`,
      path: ['offset'],
    })
    .openapi('SearchRequest');
}
export type SearchRequest = z.infer<ReturnType<typeof searchSchema>>;
export type QueryInput = z.infer<typeof QuerySchema>;

export const ResultSchema = z
  .object({
    id: z.string(),
    score: z.number(),
    kind: z.enum(['tile', 'region']),
    region: z.object({ acronym: z.string(), name: z.string(), path: z.array(z.string()) }).nullable(),
    atlas: z.string(),
    specimen: z.string(),
    gestationalWeek: z.number(),
    plane: z.enum(PLANES),
    section: z.string(),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    imageUrl: z.string(),
    rank: z
      .object({ dense: z.number().int().optional(), lexical: z.number().int().optional() })
      .optional()
      .openapi({
        description:
          "the result's rank in the lists it came from (1 = first): `dense` in the dense list, `lexical` in the " +
          'lexical list (hits of equal BM25 share a rank)',
      }),
  })
  .openapi('SearchResult');

export const AppliedCutoffSchema = z
  .object({
    mode: z.enum(['auto', 'none', 'minScore']),
    minScore: z.number().nullable().openapi({ description: 'the minScore the store applied; null: none' }),
    source: z.enum(['calibration', 'request', 'uncalibrated']),
  })
  .openapi('AppliedCutoff');

export const NoticeSchema = z
  .object({
    code: z.string().openapi({ description: 'e.g. no_data_for_region, uncalibrated_cutoff' }),
    message: z.string(),
    regions: z.array(z.string()).optional(),
  })
  .openapi('Notice');

const ModelNotesShape = {
  modelCard: z.string().nullable().openapi({ description: 'GET this for the model card (text/markdown)' }),
  notice: z.string().nullable().openapi({ description: 'set for a model trained on synthetic tissue' }),
};

export const UploadReportSchema = z
  .object({
    width: z.number().int(),
    height: z.number().int(),
    micronsPerPixel: z.number().nullable(),
    micronsPerPixelSource: z.enum(['request', 'metadata', 'unknown']),
    modelMicronsPerPixel: z.number().nullable(),
    tiles: z.object({
      count: z.number().int(),
      columns: z.number().int(),
      rows: z.number().int(),
      gridTiles: z.number().int(),
      capped: z.boolean(),
      max: z.number().int(),
    }),
    nearestCosine: z.number().nullable(),
    threshold: z.number().nullable(),
    look: z.object({ colours: z.number().int(), flatShare: z.number() }),
    notes: z.array(z.string()),
  })
  .openapi('UploadReport');

/** Present for uploaded images only. */
const UploadVerdictShape = {
  outOfDistribution: z.boolean().optional(),
  outOfDistributionReason: z.string().nullable().optional(),
  upload: UploadReportSchema.optional(),
};

export const SuggestedFilterSchema = z
  .object({
    gestationalWeek: z.object({ gte: z.number(), lte: z.number() }).optional(),
    planes: z.array(z.enum(PLANES)).optional(),
    specimens: z.array(z.string()).optional(),
    regions: z.array(z.string()).optional(),
  })
  .openapi('SuggestedFilter');

export const SearchResponseSchema = z
  .object({
    results: z.array(ResultSchema),
    total: z
      .number()
      .int()
      .openapi({
        description:
          'how many results the pages of this request return together (offset 0, limit, 2·limit …) under the ' +
          'filter, minScore and perSection; at most 10,000',
      }),
    totalExact: z.boolean().openapi({
      description: 'false when more than 10,000 items match: `total` is then 10,000, the most the pages can reach',
    }),
    retrieval: RetrievalSchema,
    model: z.string(),
    tookMs: z.number(),
    unknownWords: z.array(z.string()),
    cutoff: AppliedCutoffSchema,
    notices: z.array(NoticeSchema),
    suggestedFilter: SuggestedFilterSchema.nullable().openapi({
      description:
        "what the query's words say about age, plane, specimen and region, as a filter to offer (never applied); " +
        'null for a query without text or one that names none of them',
    }),
    ...ModelNotesShape,
    ...UploadVerdictShape,
  })
  .openapi('SearchResponse');

export const ClassifyAnswerSchema = z
  .object({
    model: z.string(),
    target: z.enum(['tiles', 'regions']),
    zeroShot: z
      .array(z.object({ region: RegionRefSchema, score: z.number() }))
      .openapi({ description: "the model's region probabilities (calibrated temperature), best first, topK" }),
    temperature: z.object({ value: z.number(), calibrated: z.boolean() }),
    vote: z
      .array(z.object({ region: RegionRefSchema, share: z.number(), count: z.number().int() }))
      .openapi({ description: 'the nearest stored items, their regions weighted by similarity, best first, topK' }),
    neighbours: z.number().int(),
    tookMs: z.number(),
    ...ModelNotesShape,
    ...UploadVerdictShape,
  })
  .openapi('ClassifyAnswer');

export const ClassifySchema = z
  .strictObject({
    image: z.string().min(1),
    /** Default: the variant of `model` when given, else tiles. */
    target: z.enum(['tiles', 'regions']).optional(),
    micronsPerPixel: MicronsPerPixelSchema.optional(),
    topK: z.number().int().min(1).max(50).default(5),
    neighbours: z.number().int().min(1).max(200).default(25),
    model: z.string().optional(),
    filter: FilterSchema.default({}),
  })
  .openapi('ClassifyRequest');

export const HeatmapSchema = z
  .strictObject({
    section: z.string().min(1).max(200),
    /** A text, an uploaded image or a stored tile (the section's tiles are scored against it). */
    query: QuerySchema,
    micronsPerPixel: MicronsPerPixelSchema.optional(),
    model: z.string().optional(),
  })
  .openapi('HeatmapRequest');

export const TrajectorySchema = z
  .strictObject({
    query: QuerySchema,
    target: z.enum(['tiles', 'regions']).default('tiles'),
    filter: FilterSchema.default({}),
    model: z.string().optional(),
  })
  .openapi('TrajectoryRequest');

export const IngestSchema = z
  .strictObject({
    atlas: z.string().min(1).max(4096),
    /** Remove an atlas of the same name ingested from another folder first (else the job fails: atlas_exists). */
    replace: z.boolean().optional(),
  })
  .openapi('IngestRequest');
