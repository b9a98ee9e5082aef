import { useRef, useState } from 'preact/hooks';
import { ApiError, fetchSectionAnnotations, search, type SearchRequest } from '../api.js';
import type { FeatureCollection } from '../export.js';
import type { PolygonCoords } from '../region-outline.js';
import type { SearchResult } from '../types.js';

/** Results per API call while exporting (the API's largest page). */
const EXPORT_PAGE = 200;
/** The API pages no deeper than this (offset + limit). */
const WINDOW = 10_000;

function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * Every result of the search (all pages above the cutoff that applied, up to the API's 10,000 window), fetched page by
 * page; `onPage` sees each page as it lands, so a CSV is written row block by row block rather than held as results.
 */
async function eachPage(
  request: Omit<SearchRequest, 'limit' | 'offset'>,
  signal: AbortSignal,
  onPage: (results: SearchResult[], firstRank: number, total: number) => void,
): Promise<number> {
  let offset = 0;
  for (;;) {
    const limit = Math.min(EXPORT_PAGE, WINDOW - offset);
    const page = await search({ ...request, limit, offset }, signal);
    onPage(page.results, offset + 1, page.total);
    offset += page.results.length;
    if (page.results.length < limit || offset >= Math.min(page.total, WINDOW)) return offset;
  }
}

/**
 * Every result above the cutoff as CSV (absolute image URLs) or as QuPath GeoJSON, one file per section (a zip of them
 * when the results span several), with progress and a way to stop.
 */
export function ExportButtons({
  request,
  query,
  colors,
  disabled,
}: {
  /** The search as the app asked it, without its page. */
  request: Omit<SearchRequest, 'limit' | 'offset'>;
  query: string;
  colors: Map<string, string>;
  disabled: boolean;
}) {
  const [progress, setProgress] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);

  async function run(kind: 'csv' | 'geojson') {
    controller.current?.abort();
    const abort = (controller.current = new AbortController());
    setProblem(null);
    setProgress('Exporting…');
    // The writers load on the first export: the search page's first load does not carry them.
    const { CSV_HEADER, csvRows, geoJsonBySection, slug } = await import('../export.js');
    const parts: string[] = [CSV_HEADER];
    const all: SearchResult[] = [];
    try {
      const count = await eachPage(request, abort.signal, (results, firstRank, total) => {
        if (kind === 'csv') parts.push(csvRows(results, firstRank, location.origin));
        else all.push(...results);
        setProgress(
          `Exporting ${(firstRank - 1 + results.length).toLocaleString('en')} of ${total.toLocaleString('en')}…`,
        );
      });
      const name = `cytoclip-${slug(query)}`;
      if (kind === 'csv') download(`${name}.csv`, new Blob(parts, { type: 'text/csv' }));
      else await saveGeoJson(name, geoJsonBySection(all, query, colors, await regionOutlines(all)));
      setProgress(`Exported ${count.toLocaleString('en')} results.`);
    } catch (error) {
      setProgress(null);
      if (!abort.signal.aborted)
        setProblem(error instanceof ApiError ? error.message : `The export failed: ${(error as Error).message}`);
    }
  }

  const busy = progress?.endsWith('…') ?? false;
  return (
    <div role="group" aria-label="Export every result above the cutoff" class="export">
      <button type="button" class="secondary" disabled={disabled || busy} onClick={() => run('csv')}>
        Export CSV
      </button>
      <button type="button" class="secondary" disabled={disabled || busy} onClick={() => run('geojson')}>
        Export GeoJSON
      </button>
      {busy && (
        <button
          type="button"
          class="link"
          onClick={() => {
            controller.current?.abort();
            setProgress('Export stopped.');
          }}
        >
          Stop
        </button>
      )}
      {progress && (
        <span role="status" class="muted export-progress">
          {progress}
        </span>
      )}
      {problem && (
        <span role="alert" class="error">
          {problem}
        </span>
      )}
    </div>
  );
}

/**
 * Each whole-region result's own polygons on its section (what QuPath should draw, not the box its image was cut to),
 * by result id; each section's annotations fetched once. Tiles need none.
 */
async function regionOutlines(results: SearchResult[]): Promise<Map<string, PolygonCoords[]>> {
  const regions = results.filter((r) => r.kind === 'region' && r.region);
  const { regionPolygons } = await import('../region-outline.js');
  const sections = new Map<string, ReturnType<typeof fetchSectionAnnotations>>();
  const out = new Map<string, PolygonCoords[]>();
  for (const r of regions) {
    if (!sections.has(r.section)) sections.set(r.section, fetchSectionAnnotations(r.section));
    const polygons = regionPolygons(await sections.get(r.section)!, r.region!.acronym);
    if (polygons.length) out.set(r.id, polygons);
  }
  return out;
}

/** One section: its GeoJSON file; several: a zip holding one `<section>.geojson` per section. */
async function saveGeoJson(name: string, bySection: Map<string, FeatureCollection>) {
  const { zipStore } = await import('../zip.js');
  const encoder = new TextEncoder();
  const files = [...bySection.entries()].map(([section, fc]) => ({
    name: `${section.replace(/[^A-Za-z0-9._-]+/g, '_')}.geojson`,
    data: encoder.encode(JSON.stringify(fc)),
  }));
  if (files.length === 1)
    download(`${name}-${files[0]!.name}`, new Blob([files[0]!.data], { type: 'application/geo+json' }));
  else download(`${name}.zip`, new Blob([zipStore(files)], { type: 'application/zip' }));
}
