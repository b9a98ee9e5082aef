import { z } from '@hono/zod-openapi';

/** GeoJSON rings of one polygon (outer ring first, then holes), [x, y] level-0 pixels. */
type PolygonCoords = number[][][];

interface AnnotationFeature {
  properties?: { region?: string } | null;
  geometry?: { type?: string; coordinates?: unknown } | null;
}

const PositionRings = z.array(z.array(z.array(z.number())));

/** `GET /v1/region-images/{id}/outline`: the region's own polygons on its section, as a QuPath annotation. */
export const RegionOutlineSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string(),
        geometry: z.object({
          type: z.enum(['Polygon', 'MultiPolygon']),
          coordinates: z.union([PositionRings, z.array(PositionRings)]).openapi({
            description: 'level-0 pixels of the section; a MultiPolygon when the region has several parts',
          }),
        }),
        properties: z.object({
          objectType: z.literal('annotation'),
          name: z.string(),
          classification: z.object({
            name: z.string(),
            color: z.array(z.number().int()).openapi({ description: "[r, g, b], the ontology's colour" }),
          }),
          region: z.string(),
          section: z.string(),
          regionImage: z.string(),
        }),
      }),
    ),
  })
  .openapi('RegionOutline', {
    description:
      "A whole-region result's outline as QuPath GeoJSON: every polygon of its region on its section (holes kept), not the box its image was cut to",
  });
export type RegionOutline = z.infer<typeof RegionOutlineSchema>;

/** Every polygon of `region` in a section's annotation FeatureCollection, each ring closed. */
export function regionPolygons(annotations: unknown, region: string): PolygonCoords[] {
  const features = (annotations as { features?: AnnotationFeature[] } | null)?.features ?? [];
  return features
    .filter((f) => f.properties?.region === region && f.geometry)
    .flatMap((f) =>
      f.geometry!.type === 'Polygon'
        ? [f.geometry!.coordinates as PolygonCoords]
        : f.geometry!.type === 'MultiPolygon'
          ? (f.geometry!.coordinates as PolygonCoords[])
          : [],
    )
    .filter((polygon) => (polygon[0]?.length ?? 0) >= 3)
    .map((polygon) => polygon.map(closeRing));
}

function closeRing(ring: number[][]): number[][] {
  const [first, last] = [ring[0]!, ring[ring.length - 1]!];
  return first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first];
}

/** "#rrggbb" as [r, g, b]; grey when the ontology gives none. */
function rgb(color: string | undefined): number[] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color ?? '');
  return m ? [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16)) : [128, 128, 128];
}

/** The outline answer; an empty collection when the section's annotation has no polygon of the region. */
export function regionOutline(
  annotations: unknown,
  item: { id: string; region: string; section: string },
  color: string | undefined,
): RegionOutline {
  const polygons = regionPolygons(annotations, item.region);
  if (!polygons.length) return { type: 'FeatureCollection', features: [] };
  const geometry =
    polygons.length === 1
      ? { type: 'Polygon' as const, coordinates: polygons[0]! }
      : { type: 'MultiPolygon' as const, coordinates: polygons };
  return {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        id: item.id,
        geometry,
        properties: {
          objectType: 'annotation',
          name: item.region,
          classification: { name: item.region, color: rgb(color) },
          region: item.region,
          section: item.section,
          regionImage: item.id,
        },
      },
    ],
  };
}
