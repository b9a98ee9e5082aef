import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  ApiError,
  classify,
  fetchAtlases,
  fetchItem,
  fetchRegions,
  fetchSpecimens,
  search,
  type HeatmapQuery,
} from './api.js';
import { EMPTY_STATE, filterOf, parseState, queryOf, serializeState, type SearchState } from './state.js';
import type {
  AtlasInfo,
  Classification,
  OpenedResult,
  Query,
  RegionNode,
  SearchResponse,
  SpecimenInfo,
} from './types.js';
import { SearchBar, type ImageQuery } from './components/SearchBar.js';
import { Filters } from './components/Filters.js';
import { Pager, RegionGroups, ResultGrid } from './components/ResultCard.js';
import { SectionPicker } from './components/SectionBrowser.js';
import type * as PanelModule from './panels.js';
import { Insights } from './components/Insights.js';
import { ExportButtons } from './components/ExportButtons.js';
import { ModelNote, Notices, ReferenceTile, UploadNote } from './components/Honesty.js';
import { SuggestedChips } from './components/SuggestedChips.js';
import { RefinementChips, useRefinement } from './components/Refinement.js';
import { countWords } from './relevance.js';

export const PAGE_SIZE = 24;
/** The "by region" view counts the top results of the whole search, not one page. */
const GROUP_LIMIT = 200;

const describe = (error: unknown) =>
  error instanceof ApiError ? error.message : `Something went wrong: ${(error as Error).message}`;

function useUrlState(): [SearchState, (patch: Partial<SearchState>, replace?: boolean) => void] {
  const [state, setState] = useState<SearchState>(() => parseState(location.search));
  useEffect(() => {
    const onPop = () => setState(parseState(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const update = (patch: Partial<SearchState>, replace = false) => {
    const next = { ...state, ...patch };
    const url = `${location.pathname}${serializeState(next)}`;
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    setState(next);
  };
  return [state, update];
}

export function App() {
  const [state, update] = useUrlState();
  const [image, setImage] = useState<ImageQuery | null>(null);
  const [meta, setMeta] = useState<{ regions: RegionNode[]; specimens: SpecimenInfo[]; atlases: AtlasInfo[] }>({
    regions: [],
    specimens: [],
    atlases: [],
  });
  const [response, setResponse] = useState<SearchResponse | null>(null);
  const [busy, setBusy] = useState(false);
  // Pressing Enter searches again even when nothing changed; `completed` counts answered searches (tests wait on it).
  const [nonce, setNonce] = useState(0);
  const [completed, setCompleted] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [classification, setClassification] = useState<Classification | null>(null);
  const [openResult, setOpenResult] = useState<OpenedResult | null>(null);
  // A section opened from the browser (no query, no result).
  const [browsed, setBrowsed] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([fetchRegions(), fetchSpecimens(), fetchAtlases()]).then(
      ([regions, specimens, atlases]) => setMeta({ regions, specimens, atlases }),
      (e) => setError(`The filters could not be loaded. ${describe(e)}`),
    );
  }, []);

  const query: Query | null = image && !state.similar ? { image: image.base64 } : queryOf(state);
  // Thumbs on results and "search this area" refine the query (components/Refinement.tsx); a new query resets them.
  const refine = useRefinement(query, state.target, () => update({ page: 1 }, true));
  const grouped = state.view === 'groups';
  const searchKey = JSON.stringify([
    query && ('image' in query ? [image?.previewUrl, image?.micronsPerPixel] : query),
    state.target,
    state.cutoff,
    filterOf(state),
    grouped ? 0 : state.page,
    nonce,
    refine.key,
  ]);

  // The search without its page: what a page asks, and what an export pages through.
  const scale = query && 'image' in query && image?.micronsPerPixel ? { micronsPerPixel: image.micronsPerPixel } : {};
  const request = query && {
    query: refine.query ?? query,
    target: state.target,
    filter: filterOf(state),
    ...(refine.query === query ? scale : {}),
    ...(state.cutoff === 'none' ? { cutoff: 'none' as const } : {}),
  };

  useEffect(() => {
    if (!request) return setResponse(null);
    const controller = new AbortController();
    setBusy(true);
    setError(null);
    const limit = grouped ? GROUP_LIMIT : PAGE_SIZE;
    const offset = grouped ? 0 : (state.page - 1) * PAGE_SIZE;
    search({ ...request, limit, offset }, controller.signal)
      .then(setResponse, (e) => controller.signal.aborted || setError(describe(e)))
      .finally(() => {
        if (controller.signal.aborted) return;
        setBusy(false);
        setCompleted((n) => n + 1);
      });
    return () => controller.abort();
  }, [searchKey]);

  // The open result survives a reload: find it in the page, or keep the one clicked.
  const open = state.open
    ? openResult?.id === state.open
      ? openResult
      : (response?.results.find((r) => r.id === state.open) ?? null)
    : null;
  useSharedResult(state, response, open, setOpenResult, setError);
  const panels = usePanels(Boolean(open || browsed), setError);
  const { Detail, SectionPanel } = panels ?? {};

  // An uploaded image is classified too, again when its µm/px changes (the server tiles it at the model's scale).
  useEffect(() => {
    if (!image) return;
    let live = true;
    classify(image.base64, image.micronsPerPixel).then(
      (c) => live && setClassification(c),
      (e) => live && setError(`The image could not be classified. ${describe(e)}`),
    );
    return () => {
      live = false;
    };
  }, [image?.previewUrl, image?.micronsPerPixel]);

  function onImage(next: ImageQuery) {
    setImage(next);
    setClassification(null);
    update({ text: '', similar: null, page: 1, open: null });
  }

  const [colors, names] = useMemo(() => regionMaps(meta.regions), [meta.regions]);
  const firstRank = (state.page - 1) * PAGE_SIZE + 1;
  return (
    <div class="app">
      <a class="skip" href="#results">
        Skip to results
      </a>
      <header class="top">
        <h1>CytoCLIP Atlas Search</h1>
        <SearchBar
          text={state.text}
          image={image}
          busy={busy}
          onSearch={(t) => {
            setNonce((n) => n + 1);
            setImage(null);
            setClassification(null);
            update({ text: t, similar: null, page: 1, open: null });
          }}
          onImage={onImage}
          onClearImage={() => {
            setImage(null);
            setClassification(null);
          }}
          onScale={(micronsPerPixel) => {
            if (!image) return;
            setClassification(null);
            setImage({ ...image, micronsPerPixel });
          }}
          onProblem={setError}
        />
      </header>
      {error && (
        <div class="error banner" role="alert">
          <span>{error}</span>
          <button type="button" class="link" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <div class={`layout${open || browsed ? ' with-detail' : ''}`}>
        <Filters
          state={state}
          specimens={meta.specimens}
          atlases={meta.atlases}
          regions={meta.regions}
          onChange={(patch) => update({ ...patch, page: 1, open: null })}
        />
        <main id="results" tabIndex={-1} aria-busy={busy} data-searches={completed}>
          <StatusLine
            state={state}
            response={response}
            busy={busy}
            image={image}
            onCutoff={(cutoff) => update({ cutoff, page: 1, open: null })}
            onApply={(patch) => update({ ...patch, page: 1, open: null })}
          />
          <RefinementChips refine={refine} describeQuery={describeQuery(state, image)} />
          {!query && <SectionPicker onOpen={setBrowsed} />}
          {classification && <Insights.Classification classification={classification} />}
          {response && query && (
            <>
              <div class="toolbar">
                <div role="group" aria-label="Layout of results">
                  <button type="button" aria-pressed={!grouped} onClick={() => update({ view: 'grid' })}>
                    Grid
                  </button>
                  <button type="button" aria-pressed={grouped} onClick={() => update({ view: 'groups', page: 1 })}>
                    By region
                  </button>
                </div>
                {request && (
                  <ExportButtons
                    request={request}
                    disabled={response.results.length === 0}
                    query={describeQuery(state, image)}
                    colors={colors}
                  />
                )}
              </div>
              <Insights.Trajectory
                query={query}
                state={state}
                label={describeQuery(state, image)}
                specimenWeeks={meta.specimens.map((s) => s.gestationalWeek)}
                onWeek={(week) => update({ weeks: [week, week], view: 'grid', page: 1, open: null })}
              />
              {grouped ? (
                <RegionGroups
                  results={response.results}
                  thumbs={refine.thumbs}
                  onOpen={(r) => {
                    setOpenResult(r);
                    update({ open: r.id });
                  }}
                />
              ) : (
                <>
                  <ResultGrid
                    results={response.results}
                    thumbs={refine.thumbs}
                    firstRank={firstRank}
                    onOpen={(r) => {
                      setOpenResult(r);
                      update({ open: r.id });
                    }}
                  />
                  <Pager
                    page={state.page}
                    pageSize={PAGE_SIZE}
                    total={response.total}
                    onPage={(page) => update({ page, open: null })}
                  />
                </>
              )}
            </>
          )}
        </main>
        {browsed && !open && SectionPanel && (
          <SectionPanel
            section={browsed}
            regionColors={colors}
            regionNames={names}
            onRegion={(acronym) => update({ regions: [acronym], page: 1 })}
            onClose={() => setBrowsed(null)}
          />
        )}
        {open && Detail && (
          <Detail
            result={open}
            heatQuery={heatQueryOf(query, state, image)}
            fixedRange={fixedRangeOf(response)}
            regionColors={colors}
            regionNames={names}
            onRegion={(acronym) => update({ regions: [acronym], page: 1, open: state.open })}
            onClose={() => {
              update({ open: null });
              // Back to the card that opened it, so keyboard users keep their place.
              requestAnimationFrame(() =>
                document
                  .querySelector<HTMLButtonElement>(`.result-card[data-id="${CSS.escape(open.id)}"] button`)
                  ?.focus(),
              );
            }}
            onSimilar={(r) => {
              setImage(null);
              setClassification(null);
              update({ similar: r.id, text: '', page: 1, open: null });
            }}
            onOpen={(r) => {
              setOpenResult(r);
              update({ open: r.id });
            }}
          />
        )}
      </div>
    </div>
  );
}

/** Ontology colours and names by acronym, so polygons on a section match the region tree's swatches. */
function regionMaps(roots: RegionNode[]): [Map<string, string>, Map<string, string>] {
  const colors = new Map<string, string>();
  const names = new Map<string, string>();
  const walk = (nodes: RegionNode[]) =>
    nodes.forEach((n) => (n.color && colors.set(n.acronym, n.color), names.set(n.acronym, n.name), walk(n.children)));
  walk(roots);
  return [colors, names];
}

/** The detail and section panels, loaded the first time one is needed (they hold the viewer's code). */
function usePanels(needed: boolean, setError: (e: string) => void): typeof PanelModule | null {
  const [panels, setPanels] = useState<typeof PanelModule | null>(null);
  useEffect(() => {
    if (!needed || panels) return;
    import('./panels.js').then(setPanels, (e) => setError(`The viewer could not be loaded. ${describe(e)}`));
  }, [needed]);
  return panels;
}

/**
 * A shared link's `open=<id>` whose result is not on the current page (another page, or not ranked at all): fetched
 * by id, so the link still opens it.
 */
function useSharedResult(
  state: SearchState,
  response: SearchResponse | null,
  open: OpenedResult | null,
  setOpenResult: (r: OpenedResult) => void,
  setError: (e: string) => void,
) {
  const id = state.open;
  const missing = Boolean(id && !open && (response || !queryOf(state)));
  useEffect(() => {
    if (!id || !missing) return;
    let live = true;
    fetchItem(id, state.target === 'regions' ? 'region' : 'tile').then(
      (item) => live && setOpenResult({ ...item, score: null }),
      (e) => live && setError(`The shared result could not be opened. ${describe(e)}`),
    );
    return () => {
      live = false;
    };
  }, [id, missing]);
}

/** The heatmap scores a section's tiles against the search's own query; a region image cannot score tiles. */
function heatQueryOf(query: Query | null, state: SearchState, image: ImageQuery | null): HeatmapQuery | null {
  if (!query || 'regionImageId' in query) return null;
  if ('image' in query) return { query, ...(image?.micronsPerPixel ? { micronsPerPixel: image.micronsPerPixel } : {}) };
  return state.target === 'tiles' || 'text' in query ? { query } : null;
}

/** One heatmap scale for every section of a search: from the cutoff that applied to the best score it returned. */
function fixedRangeOf(response: SearchResponse | null): [number, number] | null {
  const best = response?.results[0]?.score;
  if (best === undefined || !response) return null;
  const lo = response.cutoff?.minScore ?? Math.min(...response.results.map((r) => r.score));
  return best > lo ? [lo, best] : null;
}

function describeQuery(state: SearchState, image: ImageQuery | null): string {
  if (state.similar)
    return `similar to ${state.target === 'regions' ? 'region image' : 'tile'} ${state.similar.slice(0, 8)}`;
  if (image) return `image ${image.name}`;
  return state.text.trim();
}

function StatusLine({
  state,
  response,
  busy,
  image,
  onCutoff,
  onApply,
}: {
  state: SearchState;
  response: SearchResponse | null;
  busy: boolean;
  image: ImageQuery | null;
  onCutoff(cutoff: SearchState['cutoff']): void;
  onApply(patch: Partial<SearchState>): void;
}) {
  const reference = state.similar ? <ReferenceTile id={state.similar} target={state.target} /> : null;
  if (busy)
    return (
      <>
        {reference}
        <p role="status">Searching…</p>
      </>
    );
  if (!response)
    return (
      <p role="status" class="hint">
        Type what the tissue looks like and press Enter, or drop an image anywhere on the search bar.
      </p>
    );
  const what = describeQuery(state, image);
  const { lead, noun, cutoff } = countWords(response, state.target);
  return (
    <div role="status" class="status">
      {reference}
      <p>
        {lead}
        <strong class="total">{response.total.toLocaleString('en')}</strong> {noun} · results for <em>{what}</em>
        <span class="muted"> · {response.tookMs} ms</span>
      </p>
      <p class="muted cutoff-line">
        {cutoff}{' '}
        {response.cutoff?.mode === 'auto' && response.cutoff.source === 'calibration' && (
          <button type="button" class="link" onClick={() => onCutoff('none')}>
            Rank every {state.target === 'regions' ? 'region image' : 'tile'}
          </button>
        )}
        {state.cutoff === 'none' && (
          <button type="button" class="link" onClick={() => onCutoff('auto')}>
            Relevant ones only
          </button>
        )}
      </p>
      <ModelNote model={response.model} modelCard={response.modelCard} notice={response.notice} />
      <Notices notices={response.notices} target={state.target} />
      <SuggestedChips suggested={response.suggestedFilter} state={state} onApply={onApply} />
      <UploadNote verdict={response} />
      {response.unknownWords.length > 0 && (
        <p class="warn">
          The model does not know: {response.unknownWords.map((w) => `“${w}”`).join(', ')}; these words cannot steer the
          search.
        </p>
      )}
      {response.results.length === 0 && <p>No results. Widen the filters or rephrase the query.</p>}
    </div>
  );
}

export { EMPTY_STATE };
