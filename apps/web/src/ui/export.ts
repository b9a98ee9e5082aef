/**
 * Results out of the browser: CSV for a spreadsheet, GeoJSON for QuPath. Boxes are level-0 pixels of each result's
 * section (the coordinates QuPath uses for the section's image); every feature names its section so one file can be
 * split per image.
 */
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

export function resultsToCsv(results: SearchResult[], firstRank = 1): string {
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
      r.imageUrl,
    ];
    return cells.map(csvCell).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

export interface GeoJsonFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  properties: Record<string, unknown>;
}

/** QuPath (0.4+) reads a classification colour as [r, g, b]. */
const RESULT_COLOR = [255, 127, 14];

export function resultsToGeoJson(
  results: SearchResult[],
  query: string,
): { type: 'FeatureCollection'; features: GeoJsonFeature[] } {
  return {
    type: 'FeatureCollection',
    features: results.map((r, i) => {
      const [x, y, w, h] = r.bbox;
      return {
        type: 'Feature',
        id: r.id,
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [x, y],
              [x + w, y],
              [x + w, y + h],
              [x, y + h],
              [x, y],
            ],
          ],
        },
        properties: {
          objectType: 'annotation',
          name: `#${i + 1} ${r.region?.acronym ?? ''} ${r.score.toFixed(3)}`.trim(),
          classification: { name: r.region?.acronym ?? 'Unassigned', color: RESULT_COLOR },
          isLocked: false,
          measurements: { score: r.score, rank: i + 1, gestationalWeek: r.gestationalWeek },
          score: r.score,
          rank: i + 1,
          section: r.section,
          specimen: r.specimen,
          plane: r.plane,
          query,
        },
      };
    }),
  };
}
