import { z } from '@hono/zod-openapi';
import { idText } from './ids.js';

// The parts of a search query beyond one kind: several weighted examples, a raw embedding and a region of interest.
// Checks that need the model or the section (dimension, the box inside the section) are the search service's (422).

/** At most this many positive and this many negative examples. */
export const MAX_EXAMPLES = 16;
/** A region of interest may be at most this many level-0 pixels a side. */
export const MAX_REGION_SIDE = 8192;

export const ITEM_KINDS = ['text', 'image', 'tileId', 'regionImageId'] as const;

/** The one-item query kinds, as a search's query and as each example declare them. */
export const itemFields = {
  text: z.string().trim().min(1).max(1000).optional(),
  image: z.string().min(1).optional().openapi({
    description:
      "base64 PNG/JPEG/TIFF/WebP (a data: URL prefix is accepted), tiled at the model's µm/px like an upload",
  }),
  tileId: z.uuid().optional(),
  regionImageId: z.uuid().optional(),
};

export const ExampleSchema = z
  .strictObject({
    ...itemFields,
    weight: z.number().finite().positive().max(1000).optional().openapi({
      description: "the example's weight in its list's weighted mean (default 1)",
    }),
  })
  .refine((item) => ITEM_KINDS.filter((k) => item[k] !== undefined).length === 1, {
    message: 'give exactly one of text, image, tileId, regionImageId',
  })
  .openapi('QueryExample');
export type Example = z.infer<typeof ExampleSchema>;

export const ExampleListSchema = z.array(ExampleSchema).max(MAX_EXAMPLES);

export const QueryVectorSchema = z
  .array(z.number().finite())
  .min(1)
  .max(4096)
  .openapi({ description: "a raw embedding of the target model's dimension (normalised before the search)" });

export const SectionRegionSchema = z
  .strictObject({
    section: idText(),
    bbox: z.tuple([z.number().finite(), z.number().finite(), z.number().finite(), z.number().finite()]).openapi({
      description:
        `[x, y, width, height] in level-0 pixels of the section, inside it, at most ${MAX_REGION_SIDE} px a side; ` +
        "cut at the tile model's µm/px and tiled like an upload (a box smaller than one tile grows to one)",
    }),
  })
  .openapi('SectionRegion');
export type SectionRegion = z.infer<typeof SectionRegionSchema>;
