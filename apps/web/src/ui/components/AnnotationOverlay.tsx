import { useContext, useEffect, useState } from 'preact/hooks';
import type { AnnotationTiles } from '@cytoclip/query/api-types';
import { annotationGeoJsonUrl, ApiError, fetchAnnotation } from '../api.js';
import { ViewerContext } from './Viewer.js';
import './annotation.css';

const SVG_NS = 'http://www.w3.org/2000/svg';
const css = ([r, g, b]: number[]) => `rgb(${r}, ${g}, ${b})`;
const percent = (x: number) => `${Math.round(x * 100)} %`;

/**
 * The auto-annotation overlay of the section in the viewer (a child of <Viewer>): a toggle, then every tile filled in
 * its predicted region's ontology colour, more opaque the surer the prediction, with a legend of the predicted
 * regions (tiles, mean confidence), the figure against the section's own annotation and the QuPath GeoJSON to download.
 * The predictions are fetched on first use and dropped when the section changes.
 */
export function AnnotationOverlay({ section }: { section: string }) {
  const handle = useContext(ViewerContext);
  const [shown, setShown] = useState(false);
  const [answer, setAnswer] = useState<AnnotationTiles | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    setShown(false);
    setAnswer(null);
    setProblem(null);
  }, [section]);

  useEffect(() => {
    if (!shown || !answer || !handle || answer.section !== section) return;
    const [width, height] = handle.size;
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'annotation-overlay');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('data-tiles', String(answer.tiles.length));
    const colours = new Map(answer.regions.map((r) => [r.region, css(r.color)]));
    for (const t of answer.tiles) {
      const cell = document.createElementNS(SVG_NS, 'rect');
      for (const [k, v] of Object.entries({ x: t.x, y: t.y, width: t.w, height: t.h })) cell.setAttribute(k, String(v));
      cell.setAttribute('fill', colours.get(t.region) ?? 'grey');
      cell.setAttribute('fill-opacity', (0.2 + 0.5 * t.confidence).toFixed(2));
      cell.setAttribute('data-region', t.region);
      svg.appendChild(cell);
    }
    const location = handle.viewer.viewport.imageToViewportRectangle(0, 0, width, height);
    handle.viewer.addOverlay({ element: svg as unknown as HTMLElement, location });
    return () => handle.viewer.removeOverlay(svg as unknown as HTMLElement);
  }, [shown, answer, handle, section]);

  async function toggle() {
    if (shown) return setShown(false);
    setShown(true);
    if (answer?.section === section) return;
    setBusy(true);
    setProblem(null);
    try {
      setAnswer(await fetchAnnotation(section));
    } catch (error) {
      setShown(false);
      setProblem(error instanceof ApiError ? error.message : `Something went wrong: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="auto-annotation">
      <button type="button" class="secondary" aria-pressed={shown} disabled={busy || !handle} onClick={toggle}>
        {busy ? 'Annotating…' : shown ? 'Hide auto-annotation' : 'Auto-annotation'}
      </button>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      {shown && answer && <Legend answer={answer} />}
    </div>
  );
}

function Legend({ answer }: { answer: AnnotationTiles }) {
  const knn = answer.tiles.filter((t) => t.method === 'knn').length;
  const truth = answer.againstAnnotation;
  return (
    <div class="annotation-legend">
      <p class="muted" title="The tiles of other sections that look most alike vote; zero-shot decides a split vote">
        {answer.tiles.length} tiles ({knn} by the vote of the {answer.method.neighbours} most alike annotated tiles, at
        the same place, of other sections); opacity = confidence.
        {truth &&
          ` Against this section's annotation: macro-F1 ${truth.macroF1.toFixed(2)}, ${percent(truth.accuracy)} right.`}
      </p>
      <ul aria-label="Predicted regions">
        {answer.regions.map((r) => (
          <li key={r.region}>
            <span class="swatch" style={{ background: css(r.color) }} />
            <strong>{r.region}</strong> {r.name} · {r.tiles} tiles · confidence {percent(r.confidence)}
          </li>
        ))}
      </ul>
      <a href={annotationGeoJsonUrl(answer.section)} download={`${answer.section}-auto-annotation.geojson`}>
        Download as QuPath GeoJSON
      </a>
    </div>
  );
}
