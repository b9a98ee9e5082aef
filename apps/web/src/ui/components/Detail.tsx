import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, fetchHeatmap, fetchSection, fetchWhy, type HeatmapQuery } from '../api.js';
import { viridis } from '../colors.js';
import { heatRange } from '../geometry.js';
import { outlineOf } from '../region-outline.js';
import type { HeatCell, OpenedResult, SectionInfo } from '../types.js';
import { AcrossAges } from './AcrossAges.js';
import { AnnotationOverlay } from './AnnotationOverlay.js';
import { toOutlines, type Outline } from './SectionOverlay.js';
import { Viewer } from './Viewer.js';

interface Props {
  result: OpenedResult;
  /** What the heatmap scores the section against (the search's own query), or null when it cannot. */
  heatQuery: HeatmapQuery | null;
  /** The fixed heatmap scale: the cutoff that applied up to the best result's score, the same on every section. */
  fixedRange: [number, number] | null;
  regionColors: Map<string, string>;
  regionNames: Map<string, string>;
  /** Filter the search by a region (a click on its outline or its legend entry). */
  onRegion(acronym: string): void;
  onSimilar(result: OpenedResult): void;
  /** Open another result (a card of the region across ages). */
  onOpen?(result: OpenedResult): void;
  onClose(): void;
}

const message = (error: unknown) =>
  error instanceof ApiError ? error.message : `Something went wrong: ${(error as Error).message}`;

/** The open result beside the grid: what it is, and its section in the viewer. */
export function Detail({
  result,
  heatQuery,
  fixedRange,
  regionColors,
  regionNames,
  onRegion,
  onSimilar,
  onOpen,
  onClose,
}: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [section, setSection] = useState<SectionInfo | null>(null);
  const [showRegions, setShowRegions] = useState(true);
  const [showLabels, setShowLabels] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const heat = useHeatmap(result.section, heatQuery, setProblem);
  const [scale, setScale] = useState<'section' | 'fixed'>('section');
  const [opacity, setOpacity] = useState(0.55);

  useEffect(() => heading.current?.focus(), [result.id]);
  useEffect(() => {
    setSection(null);
    setProblem(null);
    fetchSection(result.section).then(setSection, (e) => setProblem(message(e)));
  }, [result.section]);

  const outlines = useMemo(
    () => toOutlines((section?.polygons ?? []).map((p) => ({ ...p, color: p.color ?? regionColors.get(p.region) }))),
    [section, regionColors],
  );
  // A whole-region result shows its own polygons on the section, not the box its image was cut to.
  const wholeRegion = result.kind === 'region';
  const outline = useMemo(
    () => (wholeRegion && section ? toOutlines(outlineOf(section.polygons, result.region?.acronym)) : []),
    [section, result.id],
  ).map((o) => o.rings);
  const fixed = scale === 'fixed' ? fixedRange : null;
  const range = heatRange(heat.cells?.map((c) => c.score) ?? [], fixed);

  return (
    <section class="detail" aria-labelledby="detail-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <header>
        <h2 id="detail-title" tabIndex={-1} ref={heading}>
          {result.region ? `${result.region.acronym} · ${result.region.name}` : 'Result'}
        </h2>
        <button type="button" class="secondary" onClick={onClose} aria-label="Close the detail">
          Close
        </button>
      </header>
      <Summary result={result} />
      <div class="detail-actions">
        <button type="button" onClick={() => onSimilar(result)}>
          Find similar
        </button>
        <label class="check">
          <input type="checkbox" checked={showRegions} onChange={() => setShowRegions(!showRegions)} />
          Region outlines{section ? ` (${section.polygons.length})` : ''}
        </label>
        <label class="check">
          <input type="checkbox" checked={showLabels} onChange={() => setShowLabels(!showLabels)} />
          Labels
        </label>
        <button
          type="button"
          class="secondary"
          disabled={!heatQuery || heat.busy}
          aria-pressed={heat.cells !== null}
          onClick={heat.toggle}
          title={heatQuery ? 'Score every tile of this section against the query' : 'A heatmap needs a query of tiles'}
        >
          {heat.cells ? 'Hide heatmap' : heat.busy ? 'Drawing heatmap…' : heatQuery ? 'Heatmap' : 'Heatmap (no query)'}
        </button>
      </div>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      {heat.cells && (
        <HeatControls
          cells={heat.cells}
          range={range}
          scale={scale}
          fixedRange={fixedRange}
          opacity={opacity}
          onScale={setScale}
          onOpacity={setOpacity}
        />
      )}
      <Viewer
        section={result.section}
        micronsPerPixel={section?.micronsPerPixel ?? null}
        box={result.bbox}
        fit={wholeRegion ? 'region' : 'tile'}
        outline={outline.length ? outline : null}
        outlines={outlines}
        showRegions={showRegions}
        showLabels={showRegions && showLabels}
        heat={heat.cells}
        heatRange={range}
        heatOpacity={opacity}
        onRegion={onRegion}
      >
        <AnnotationOverlay section={result.section} />
      </Viewer>
      {showRegions && <RegionLegend outlines={outlines} names={regionNames} onRegion={onRegion} />}
      <AcrossAges result={result} {...(onOpen ? { onOpen } : {})} />
      {/* Below the viewer, so the section stays in view on a small screen; the panel scrolls to it. */}
      {result.kind === 'tile' && <WhyMatch tile={result.id} />}
    </section>
  );
}

function Summary({ result }: { result: OpenedResult }) {
  const [x, y, w, h] = result.bbox;
  return (
    <div class="detail-body">
      <img class="detail-tile" src={result.imageUrl} alt={`The ${result.kind} at full size`} width={112} height={112} />
      <dl class="meta-list">
        <dt>Score</dt>
        <dd>{result.score === null ? '— (opened by link)' : result.score.toFixed(4)}</dd>
        <dt>Region</dt>
        <dd>{result.region?.path?.join(' › ') ?? result.region?.acronym ?? '—'}</dd>
        <dt>Specimen</dt>
        <dd>
          {result.specimen} · {result.gestationalWeek} GW · {result.plane}
        </dd>
        <dt>Section</dt>
        <dd>{result.section}</dd>
        <dt>Box (level-0 px)</dt>
        <dd>
          x {x}, y {y}, {w} × {h}
        </dd>
      </dl>
    </div>
  );
}

/**
 * "Why this match": the thesaurus descriptors (density, cell size, layering …) that score highest on the tile with the
 * tile model's text tower, relative to the mean over all descriptors. Fetched per tile; a failure just hides it.
 */
function WhyMatch({ tile }: { tile: string }) {
  const [why, setWhy] = useState<{ text: string; score: number }[] | null>(null);
  useEffect(() => {
    let current = true;
    setWhy(null);
    fetchWhy(tile).then(
      (answer) => current && setWhy(answer.descriptors),
      () => current && setWhy([]),
    );
    return () => void (current = false);
  }, [tile]);
  if (!why?.length) return null;
  return (
    <div class="why-match">
      <strong>Why this match</strong>{' '}
      <span class="muted">(the descriptors that score highest on this tile, above the mean of all)</span>
      <ol aria-label="Descriptors that score highest on this tile">
        {why.map((d) => (
          <li key={d.text}>
            {d.text} <span class="muted">{`${d.score >= 0 ? '+' : ''}${d.score.toFixed(3)}`}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The heatmap of the section, fetched on demand and dropped when the section or the query changes. */
function useHeatmap(section: string, query: HeatmapQuery | null, onProblem: (p: string | null) => void) {
  const [cells, setCells] = useState<HeatCell[] | null>(null);
  const [busy, setBusy] = useState(false);
  const key = JSON.stringify([section, query]);
  useEffect(() => setCells(null), [key]);
  async function toggle() {
    if (cells) return setCells(null);
    if (!query) return;
    setBusy(true);
    onProblem(null);
    try {
      setCells(await fetchHeatmap(section, query));
    } catch (error) {
      onProblem(message(error));
    } finally {
      setBusy(false);
    }
  }
  return { cells, busy, toggle };
}

function HeatControls(props: {
  cells: HeatCell[];
  range: [number, number];
  scale: 'section' | 'fixed';
  fixedRange: [number, number] | null;
  opacity: number;
  onScale(scale: 'section' | 'fixed'): void;
  onOpacity(opacity: number): void;
}) {
  const [lo, hi] = props.range;
  return (
    <div class="heat-controls">
      <p
        class="heat-legend"
        aria-label={`Heatmap of ${props.cells.length} tiles, colours from ${lo.toFixed(3)} to ${hi.toFixed(3)}`}
      >
        <span class="lo">{lo.toFixed(3)}</span>
        <span
          class="ramp"
          style={{ background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(viridis).join(',')})` }}
        />
        <span class="hi">{hi.toFixed(3)}</span>
        <span class="muted">{props.cells.length} tiles</span>
      </p>
      <div role="group" aria-label="Heatmap colour scale">
        <button type="button" aria-pressed={props.scale === 'section'} onClick={() => props.onScale('section')}>
          This section's range
        </button>
        <button
          type="button"
          aria-pressed={props.scale === 'fixed'}
          disabled={!props.fixedRange}
          onClick={() => props.onScale('fixed')}
          title="From the relevance cutoff to the best result's score: the same colours on every section"
        >
          Fixed (cutoff → best)
        </button>
      </div>
      <label class="opacity">
        Opacity
        <input
          type="range"
          min={0.1}
          max={1}
          step={0.05}
          value={props.opacity}
          onInput={(e) => props.onOpacity(Number((e.target as HTMLInputElement).value))}
        />
      </label>
    </div>
  );
}

/** The regions drawn on the section with their ontology colours; a click filters the search by one. */
export function RegionLegend({
  outlines,
  names,
  onRegion,
}: {
  outlines: Outline[];
  names: Map<string, string>;
  onRegion(acronym: string): void;
}) {
  const regions = [...new Map(outlines.map((o) => [o.region, o.color])).entries()].sort((a, b) =>
    a[0].localeCompare(b[0]),
  );
  if (regions.length === 0) return null;
  return (
    <ul class="region-legend" aria-label="Regions on this section: choose one to filter the search by it">
      {regions.map(([acronym, color]) => (
        <li key={acronym}>
          <button
            type="button"
            class="link"
            onClick={() => onRegion(acronym)}
            title={`Filter by ${names.get(acronym) ?? acronym}`}
          >
            <span class="swatch" style={{ background: color }} aria-hidden="true" />
            {acronym}
            <span class="muted"> {names.get(acronym) ?? ''}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
