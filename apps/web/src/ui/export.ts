/**
 * Results out of the browser: CSV for a spreadsheet, GeoJSON for QuPath. Boxes are level-0 pixels of each result's
 * section (the coordinates QuPath uses for the section's image), so GeoJSON is written one file per section; image
 * URLs are absolute so a CSV row still opens its image outside the app.
 */
import type { PolygonCoords } from './region-outline.js';
import type { SearchResult } from './types.js';

const CSV_COLUMNS = [
  'rank',
  'id',
  'score',
  'kind',
  'region',
  'regionName',
  'specimen',
  'gestationalWeek',
  'plane',
  'section',
  'x',
  'y',
  'width',
  'height',
  'imageUrl',
] as const;

function csvCell(value: string | number): string {
  const s = String(value);
  // Quote what would break a row, and defuse cells a spreadsheet would run as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof value === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/** Rows (CRLF-terminated, no header) of results ranked from `firstRank`; image URLs resolved against `origin`. */
export function csvRows(results: SearchResult[], firstRank: number, origin: string): string {
  const rows = results.map((r, i) => {
    const [x, y, w, h] = r.bbox;
    const cells = [
      firstRank + i,
      r.id,
      r.score.toFixed(6),
      r.kind,
      r.region?.acronym ?? '',
      r.region?.name ?? '',
      r.specimen,
      r.gestationalWeek,
      r.plane,
      r.section,
      x,
      y,
      w,
      h,
      new URL(r.imageUrl, origin).href,
    ];
    return cells.map(csvCell).join(',') + '\r\n';
  });
  return rows.join('');
}

export function resultsToCsv(results: SearchResult[], firstRank = 1, origin = 'http://localhost'): string {
  return CSV_HEADER + csvRows(results, firstRank, origin);
}

export interface GeoJsonFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: PolygonCoords } | { type: 'MultiPolygon'; coordinates: PolygonCoords[] };
  properties: Record<string, unknown>;
}

/** QuPath (0.4+) reads a classification colour as [r, g, b]; a region without an ontology colour gets this grey. */
const UNCOLOURED: [number, number, number] = [128, 128, 128];

/** "#rrggbb", "rrggbb" or "#rgb" as [r, g, b]; anything else as grey. */
export function rgbOf(color: string | undefined): [number, number, number] {
  const hex = color?.trim().replace(/^#/, '') ?? '';
  const full = /^[0-9a-f]{3}$/i.test(hex) ? [...hex].map((c) => c + c).join('') : hex;
  if (!/^[0-9a-f]{6}$/i.test(full)) return UNCOLOURED;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: GeoJsonFeature[];
}

/** A result's box as a closed GeoJSON polygon. */
function boxPolygon([x, y, w, h]: [number, number, number, number]): PolygonCoords {
  return [
    [
      [x, y],
      [x + w, y],
      [x + w, y + h],
      [x, y + h],
      [x, y],
    ],
  ];
}

/** A whole region's own polygons (one: a Polygon, several parts: a MultiPolygon); a tile, or a region without them, its box. */
function geometryOf(r: SearchResult, outline: PolygonCoords[] | undefined): GeoJsonFeature['geometry'] {
  if (!outline?.length) return { type: 'Polygon', coordinates: boxPolygon(r.bbox) };
  return outline.length === 1
    ? { type: 'Polygon', coordinates: outline[0]! }
    : { type: 'MultiPolygon', coordinates: outline };
}

/**
 * One QuPath annotation per result, classified by its region in the ontology's colour: a tile's box as a closed
 * polygon; a whole region's outline (its annotation polygons on the section, given in `outlines` by result id).
 * `firstRank` is the rank of the first result given.
 */
export function resultsToGeoJson(
  results: SearchResult[],
  query: string,
  colors: Map<string, string> = new Map(),
  firstRank = 1,
  outlines: Map<string, PolygonCoords[]> = new Map(),
): FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: results.map((r, i) => {
      const rank = firstRank + i;
      const region = r.region?.acronym;
      return {
        type: 'Feature',
        id: r.id,
        geometry: geometryOf(r, outlines.get(r.id)),
        properties: {
          objectType: 'annotation',
          name: `#${rank} ${region ?? ''} ${r.score.toFixed(3)}`.trim(),
          classification: { name: region ?? 'Unassigned', color: rgbOf(region && colors.get(region)) },
          isLocked: false,
          measurements: { score: r.score, rank, gestationalWeek: r.gestationalWeek },
          score: r.score,
          rank,
          section: r.section,
          specimen: r.specimen,
          plane: r.plane,
          kind: r.kind,
          query,
        },
      };
    }),
  };
}

/** The results split by section, each section's features keeping their overall rank: one file per image for QuPath. */
export function geoJsonBySection(
  results: SearchResult[],
  query: string,
  colors: Map<string, string> = new Map(),
  outlines: Map<string, PolygonCoords[]> = new Map(),
): Map<string, FeatureCollection> {
  const out = new Map<string, FeatureCollection>();
  const all = resultsToGeoJson(results, query, colors, 1, outlines).features;
  for (const feature of all) {
    const section = String(feature.properties.section);
    const collection = out.get(section) ?? { type: 'FeatureCollection', features: [] };
    collection.features.push(feature);
    out.set(section, collection);
  }
  return out;
}

/** A file name part from free text: lower case, dashes, at most 40 characters. */
export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'results';
