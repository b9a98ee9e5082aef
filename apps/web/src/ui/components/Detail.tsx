import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, fetchHeatmap, fetchSection } from '../api.js';
import { viridis } from '../colors.js';
import type { HeatCell, SearchResult, SectionInfo } from '../types.js';
import { Viewer } from './Viewer.js';

interface Props {
  result: SearchResult;
  /** The text query, for the heatmap; null when the search is by image or tile. */
  text: string | null;
  regionColors: Map<string, string>;
  onSimilar(result: SearchResult): void;
  onClose(): void;
}

const message = (error: unknown) =>
  error instanceof ApiError ? error.message : `Something went wrong: ${(error as Error).message}`;

export function Detail({ result, text, regionColors, onSimilar, onClose }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [section, setSection] = useState<SectionInfo | null>(null);
  const [showRegions, setShowRegions] = useState(true);
  const [heat, setHeat] = useState<HeatCell[] | null>(null);
  const [heatBusy, setHeatBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => heading.current?.focus(), [result.id]);
  useEffect(() => {
    setSection(null);
    setHeat(null);
    setProblem(null);
    fetchSection(result.section).then(setSection, (e) => setProblem(message(e)));
  }, [result.section]);

  async function drawHeatmap() {
    if (heat) return setHeat(null);
    if (!text) return;
    setHeatBusy(true);
    setProblem(null);
    try {
      setHeat(await fetchHeatmap(result.section, text));
    } catch (error) {
      setProblem(message(error));
    } finally {
      setHeatBusy(false);
    }
  }

  const [x, y, w, h] = result.bbox;
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
      <div class="detail-body">
        <img
          class="detail-tile"
          src={result.imageUrl}
          alt={`The ${result.kind} at full size`}
          width={224}
          height={224}
        />
        <dl class="meta-list">
          <dt>Score</dt>
          <dd>{result.score.toFixed(4)}</dd>
          <dt>Region path</dt>
          <dd>{result.region?.path?.join(' › ') ?? result.region?.acronym ?? '—'}</dd>
          <dt>Specimen</dt>
          <dd>{result.specimen}</dd>
          <dt>Age</dt>
          <dd>{result.gestationalWeek} gestational weeks</dd>
          <dt>Plane</dt>
          <dd>{result.plane}</dd>
          <dt>Section</dt>
          <dd>{result.section}</dd>
          <dt>Box (level-0 px)</dt>
          <dd>
            x {x}, y {y}, {w} × {h}
          </dd>
        </dl>
      </div>
      <div class="detail-actions">
        <button type="button" onClick={() => onSimilar(result)}>
          Find similar
        </button>
        <label class="check">
          <input type="checkbox" checked={showRegions} onChange={() => setShowRegions(!showRegions)} />
          Region outlines{section ? ` (${section.polygons.length})` : ''}
        </label>
        <button
          type="button"
          class="secondary"
          disabled={!text || heatBusy}
          aria-pressed={heat !== null}
          onClick={drawHeatmap}
          title={text ? undefined : 'A heatmap needs a text query'}
        >
          {heat
            ? 'Hide heatmap'
            : heatBusy
              ? 'Drawing heatmap…'
              : text
                ? `Heatmap of “${text}”`
                : 'Heatmap (needs a text query)'}
        </button>
      </div>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      <Viewer
        section={result.section}
        box={result.bbox}
        polygons={(section?.polygons ?? []).map((p) => ({ ...p, color: p.color ?? regionColors.get(p.region) }))}
        showRegions={showRegions}
        heat={heat}
      />
      {heat && <HeatLegend cells={heat} />}
    </section>
  );
}

function HeatLegend({ cells }: { cells: HeatCell[] }) {
  const scores = cells.map((c) => c.score);
  const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
  return (
    <p
      class="heat-legend"
      aria-label={`Heatmap of ${cells.length} tiles, scores from ${lo.toFixed(3)} to ${hi.toFixed(3)}`}
    >
      <span>{lo.toFixed(3)}</span>
      <span
        class="ramp"
        style={{ background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(viridis).join(',')})` }}
      />
      <span>{hi.toFixed(3)}</span>
      <span class="muted">{cells.length} tiles</span>
    </p>
  );
}
