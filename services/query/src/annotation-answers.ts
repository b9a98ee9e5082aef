import { z } from '@hono/zod-openapi';

// The answers of the auto-annotation and "why this match" routes (routes/annotation.ts), declared once for the routes,
// /openapi.json and, through api-types.ts, the web app.

const Rgb = z
  .tuple([z.number().int(), z.number().int(), z.number().int()])
  .openapi({ description: "[r, g, b] 0..255, the ontology's colour of the region" });
const Position = z.tuple([z.number(), z.number()]);
const Ring = z.array(Position).openapi({ description: 'closed: the last position repeats the first' });

export const AnnotationFeatureSchema = z
  .object({
    type: z.literal('Feature'),
    geometry: z.union([
      z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring) }),
      z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring)) }),
    ]),
    properties: z.object({
      objectType: z.literal('annotation'),
      classification: z
        .object({ name: z.string(), color: Rgb })
        .openapi({ description: 'QuPath classification: the region acronym and its colour' }),
      region: z.string(),
      name: z.string(),
      confidence: z.number().openapi({ description: "mean confidence of the region's tiles (0..1)" }),
      tiles: z.number().int(),
    }),
  })
  .openapi('AnnotationFeature');

export const AnnotationGeoJsonSchema = z
  .object({ type: z.literal('FeatureCollection'), features: z.array(AnnotationFeatureSchema) })
  .openapi('AnnotationGeoJson', {
    description: 'One merged (Multi)Polygon per predicted region, level-0 pixels (QuPath: File › Import objects)',
  });

export const PredictedRegionSchema = z
  .object({
    region: z.string(),
    name: z.string(),
    color: Rgb,
    tiles: z.number().int(),
    confidence: z.number(),
  })
  .openapi('PredictedRegion');

export const TilePredictionSchema = z
  .object({
    tileId: z.string(),
    x: z.number(),
    y: z.number(),
    w: z.number(),
    h: z.number(),
    region: z.string(),
    confidence: z.number().openapi({
      description: 'kNN: the agreeing share of the neighbours; zero-shot: its calibrated probability',
    }),
    method: z.enum(['knn', 'zero-shot']).openapi({
      description: 'where the region came from: the kNN vote or zero-shot',
    }),
    annotated: z.string().nullable().openapi({ description: "the region the section's own annotation gives the tile" }),
  })
  .openapi('TilePrediction');

export const AnnotationTilesSchema = z
  .object({
    section: z.string(),
    model: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    method: z.object({
      neighbours: z.number().int().openapi({ description: 'annotated tiles of other sections that vote per tile' }),
      agreement: z.number().openapi({ description: 'kNN share from which the vote is taken over zero-shot' }),
      zeroShotFloor: z
        .number()
        .openapi({ description: 'calibrated probability zero-shot needs to overrule a split vote' }),
      placeWeight: z.number().openapi({
        description: 'how much the distance between two tiles’ places in their sections lowers a voter’s similarity',
      }),
    }),
    regions: z.array(PredictedRegionSchema).openapi({ description: 'the legend: predicted regions, most tiles first' }),
    tiles: z.array(TilePredictionSchema),
    againstAnnotation: z
      .object({ tiles: z.number().int(), accuracy: z.number(), macroF1: z.number() })
      .nullable()
      .openapi({ description: "the predictions scored against the section's own annotation (null without one)" }),
  })
  .openapi('AnnotationTiles');

export const WhySchema = z
  .object({
    tile: z.string(),
    model: z.string(),
    descriptors: z.array(
      z.object({
        descriptor: z.string().openapi({ description: 'thesaurus key, e.g. dense, layered' }),
        text: z.string().openapi({ description: "the descriptor's phrase that scores highest on the tile" }),
        score: z.number().openapi({ description: 'cosine minus the mean cosine of all descriptors' }),
        cosine: z.number(),
      }),
    ),
    mean: z.number().openapi({ description: 'the mean cosine of all descriptors to the tile' }),
    of: z.number().int().openapi({ description: 'how many descriptors were scored' }),
  })
  .openapi('Why');
