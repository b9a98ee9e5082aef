import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, fetchSection } from '../api.js';
import type { SectionInfo } from '../types.js';
import { RegionLegend } from './Detail.js';
import { toOutlines } from './SectionOverlay.js';
import { Viewer } from './Viewer.js';

const message = (error: unknown) =>
  error instanceof ApiError ? error.message : `Something went wrong: ${(error as Error).message}`;

/** A section on its own (no result): the viewer with the region outlines, labels and legend. */
export function SectionPanel({
  section,
  regionColors,
  regionNames,
  onRegion,
  onClose,
}: {
  section: string;
  regionColors: Map<string, string>;
  regionNames: Map<string, string>;
  onRegion(acronym: string): void;
  onClose(): void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [info, setInfo] = useState<SectionInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [showLabels, setShowLabels] = useState(true);
  useEffect(() => {
    heading.current?.focus();
    setInfo(null);
    fetchSection(section).then(setInfo, (e) => setProblem(message(e)));
  }, [section]);
  const outlines = useMemo(
    () => toOutlines((info?.polygons ?? []).map((p) => ({ ...p, color: p.color ?? regionColors.get(p.region) }))),
    [info, regionColors],
  );
  return (
    <section class="detail" aria-labelledby="section-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <header>
        <h2 id="section-title" tabIndex={-1} ref={heading}>
          Section {section}
        </h2>
        <button type="button" class="secondary" onClick={onClose} aria-label="Close the section">
          Close
        </button>
      </header>
      {info && (
        <p class="muted section-meta">
          {info.specimen} · {info.gestationalWeek} GW · {info.plane} · {info.width.toLocaleString('en')} ×{' '}
          {info.height.toLocaleString('en')} px at {info.micronsPerPixel} µm/px · {info.stain}
        </p>
      )}
      <div class="detail-actions">
        <label class="check">
          <input type="checkbox" checked={showLabels} onChange={() => setShowLabels(!showLabels)} />
          Labels
        </label>
        <span class="muted">Click a region to filter the search by it.</span>
      </div>
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
      <Viewer
        section={section}
        micronsPerPixel={info?.micronsPerPixel ?? null}
        box={null}
        outlines={outlines}
        showRegions
        showLabels={showLabels}
        heat={null}
        heatRange={[0, 1]}
        heatOpacity={0.55}
        onRegion={onRegion}
      />
      <RegionLegend outlines={outlines} names={regionNames} onRegion={onRegion} />
    </section>
  );
}
