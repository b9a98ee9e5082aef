import { resultsToCsv, resultsToGeoJson } from '../export.js';
import type { SearchResult } from '../types.js';

function download(name: string, type: string, body: string) {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'results';

/** The results on screen, as CSV or as QuPath-ready GeoJSON (boxes in level-0 pixels of each section). */
export function ExportButtons({
  results,
  firstRank,
  query,
}: {
  results: SearchResult[];
  firstRank: number;
  query: string;
}) {
  const disabled = results.length === 0;
  return (
    <div role="group" aria-label="Export these results" class="export">
      <button
        type="button"
        class="secondary"
        disabled={disabled}
        onClick={() => download(`cytoclip-${slug(query)}.csv`, 'text/csv', resultsToCsv(results, firstRank))}
      >
        Export CSV
      </button>
      <button
        type="button"
        class="secondary"
        disabled={disabled}
        onClick={() =>
          download(
            `cytoclip-${slug(query)}.geojson`,
            'application/geo+json',
            JSON.stringify(resultsToGeoJson(results, query), null, 1),
          )
        }
      >
        Export GeoJSON
      </button>
    </div>
  );
}
