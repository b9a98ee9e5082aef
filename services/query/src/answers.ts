import { z } from '@hono/zod-openapi';
import { ERROR_CODES, PLANES } from '@cytoclip/domain/types';

// The answers of every route but search (schemas.ts holds the search request and answer): declared once here, used by
// the routes' declarations, the generated /openapi.json and, through api-types.ts, the web app's types.

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODES).openapi({ description: 'stable for scripts: what went wrong, one snake_case word' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'the request fields that were wrong (dotted paths into the body, or the parameter)' }),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details (application/problem+json)' });

export const StatusSchema = z.object({ status: z.enum(['ok', 'ready', 'starting']) }).openapi('Status');

const BboxSchema = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .openapi({ description: '[x, y, width, height] in level-0 pixels of the section' });

export const RegionRefSchema = z.object({ acronym: z.string(), name: z.string() }).openapi('RegionRef');

export const AtlasSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    specimens: z.number().int(),
    sections: z.number().int(),
    tiles: z.number().int().optional(),
    regionImages: z.number().int().optional(),
    generator: z.unknown().optional().openapi({ description: "the synthetic generator's record, or null" }),
    ingestedAt: z.string().nullable().optional(),
  })
  .openapi('Atlas');
export const AtlasListSchema = z.object({ atlases: z.array(AtlasSchema) }).openapi('AtlasList');

export const SpecimenSchema = z
  .object({
    id: z.string(),
    atlas: z.string(),
    gestationalWeek: z.number(),
    ageSource: z.string().nullable().optional(),
    sections: z.number().int(),
    planes: z.array(z.enum(PLANES)),
  })
  .openapi('Specimen');
export const SpecimenListSchema = z.object({ specimens: z.array(SpecimenSchema) }).openapi('SpecimenList');

/** What a section is, without its annotations: listed for browsing, and the head of a section's own answer. */
const SectionSummarySchema = z.object({
  id: z.string(),
  atlas: z.string(),
  specimen: z.string(),
  gestationalWeek: z.number(),
  plane: z.enum(PLANES),
  index: z.number().int(),
  stain: z.string(),
  micronsPerPixel: z.number(),
  width: z.number().int(),
  height: z.number().int(),
});

export const SectionListSchema = z
  .object({
    sections: z.array(SectionSummarySchema),
  })
  .openapi('SectionList');

export interface RegionTreeNode {
  acronym: string;
  name: string;
  color: string;
  description: string;
  children: RegionTreeNode[];
}
export const RegionNodeSchema: z.ZodType<RegionTreeNode> = z
  .object({
    acronym: z.string(),
    name: z.string(),
    color: z.string(),
    description: z.string(),
    children: z.array(z.lazy(() => RegionNodeSchema)),
  })
  .openapi('RegionNode');
export const RegionTreeSchema = z
  .object({ regions: z.array(RegionNodeSchema).openapi({ description: 'roots first, children nested' }) })
  .openapi('RegionTree');

const IndexSchema = z
  .object({
    model: z.string(),
    variant: z.enum(['tile', 'region']),
    collection: z.string(),
    complete: z.boolean(),
    sections: z.object({ done: z.number().int(), total: z.number().int() }),
    items: z.number().int(),
    completedAt: z.string().nullable(),
  })
  .openapi('ModelIndex');

const ModelSchema = z
  .object({
    id: z.string().openapi({ description: 'name@version' }),
    name: z.string(),
    version: z.string(),
    variant: z.enum(['tile', 'region']),
    embeddingDim: z.number().int(),
    micronsPerPixel: z.number().nullable().optional(),
    image: z
      .object({
        size: z.number().int(),
        resize: z.enum(['bicubic', 'bilinear']),
        micronsPerPixel: z.number().nullable(),
      })
      .optional(),
    indexes: z.array(IndexSchema),
  })
  .openapi('Model');
export const ModelListSchema = z
  .object({
    models: z.array(ModelSchema),
    indexedOnly: z.array(IndexSchema).openapi({ description: 'indexes of models this server has not loaded' }),
  })
  .openapi('ModelList');

const RingsSchema = z.array(z.array(z.array(z.number())));
const GeometrySchema = z.object({
  type: z.enum(['Polygon', 'MultiPolygon']),
  coordinates: z
    .union([RingsSchema, z.array(RingsSchema)])
    .openapi({ description: 'GeoJSON rings of [x, y] level-0 pixels (a list of polygons for a MultiPolygon)' }),
});
export const AnnotationsSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        properties: z.object({ region: z.string(), classification: z.object({ name: z.string() }) }),
        geometry: GeometrySchema,
      }),
    ),
  })
  .openapi('Annotations', { description: "GeoJSON; `properties.region` and QuPath's `classification.name`" });
export type SectionAnnotations = z.infer<typeof AnnotationsSchema>;

export const SectionSchema = SectionSummarySchema.extend({
  annotations: AnnotationsSchema.nullable(),
  dziUrl: z.string(),
}).openapi('Section');

export const ItemSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['tile', 'region']),
    region: RegionRefSchema.extend({ path: z.array(z.string()) }).nullable(),
    atlas: z.string(),
    specimen: z.string(),
    gestationalWeek: z.number(),
    plane: z.enum(PLANES),
    section: z.string(),
    bbox: BboxSchema,
    imageUrl: z.string(),
    regionShare: z.number().nullable().openapi({ description: "share of the tile's tissue its region covers" }),
    sectionUrl: z.string(),
  })
  .openapi('Item');

export const IngestJobSchema = z
  .object({
    id: z.string(),
    atlas: z.string(),
    state: z.enum(['queued', 'running', 'done', 'failed']),
    progress: z
      .object({
        done: z.number().int(),
        total: z.number().int(),
        tiles: z.object({ done: z.number().int(), planned: z.number().int() }).optional().openapi({
          description:
            'tiles committed, of those planned by the sections begun so far: progress within a big section (bands)',
        }),
      })
      .optional(),
    error: z.string().nullable().optional(),
    runId: z.string().optional(),
    createdAt: z.string().optional(),
    startedAt: z.string().nullable().optional(),
    finishedAt: z.string().nullable().optional(),
  })
  .openapi('IngestJob');

export const HeatmapAnswerSchema = z
  .object({
    section: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    model: z.string(),
    min: z.number().nullable(),
    max: z.number().nullable(),
    tiles: z.array(z.object({ id: z.string(), bbox: BboxSchema, score: z.number() })),
    unknownWords: z.array(z.string()),
  })
  .openapi('HeatmapAnswer');

export const TrajectoryAnswerSchema = z
  .object({
    model: z.string(),
    weeks: z.array(
      z.object({
        gestationalWeek: z.number(),
        best: z.number(),
        median: z.number(),
        count: z.number().int(),
        topMean: z.number().openapi({ description: "mean score of the week's `topK` best items" }),
        bestId: z.string().optional().openapi({ description: 'only from stores without a per-week summary' }),
      }),
    ),
    topK: z.number().int().openapi({ description: 'how many best items of each week `topMean` averages' }),
    unknownWords: z.array(z.string()),
  })
  .openapi('TrajectoryAnswer');
