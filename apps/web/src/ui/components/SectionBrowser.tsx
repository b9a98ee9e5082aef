import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, fetchSection, fetchSections } from '../api.js';
import type { SectionInfo } from '../types.js';
import { RegionLegend } from './Detail.js';
import { toOutlines } from './SectionOverlay.js';
import { Viewer } from './Viewer.js';

type Listing = Awaited<ReturnType<typeof fetchSections>>[number];

const message = (error: unknown) =>
  error instanceof ApiError ? error.message : `Something went wrong: ${(error as Error).message}`;

/** Specimen (by age), plane and section: any section opens in the viewer without a query. */
export function SectionPicker({ onOpen }: { onOpen(section: string): void }) {
  const [sections, setSections] = useState<Listing[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [specimen, setSpecimen] = useState('');
  const [plane, setPlane] = useState('');
  const [chosen, setChosen] = useState('');
  useEffect(() => {
    fetchSections().then(setSections, (e) => setProblem(message(e)));
  }, []);
  if (problem) return <p class="error">{problem}</p>;
  if (!sections || sections.length === 0) return null;
  const specimens = [...new Map(sections.map((s) => [s.specimen, s.gestationalWeek])).entries()].sort(
    (a, b) => a[1] - b[1],
  );
  const ofSpecimen = sections.filter((s) => s.specimen === (specimen || specimens[0]![0]));
  const planes = [...new Set(ofSpecimen.map((s) => s.plane))];
  const inPlane = ofSpecimen.filter((s) => s.plane === (planes.includes(plane as never) ? plane : planes[0]));
  const current = inPlane.find((s) => s.id === chosen) ?? inPlane[Math.floor(inPlane.length / 2)]!;
  return (
    <form
      class="section-picker"
      aria-label="Browse sections"
      onSubmit={(e) => {
        e.preventDefault();
        onOpen(current.id);
      }}
    >
      <strong>Or browse a section:</strong>
      <label>
        Specimen{' '}
        <select
          value={specimen || specimens[0]![0]}
          onChange={(e) => setSpecimen((e.target as HTMLSelectElement).value)}
        >
          {specimens.map(([id, week]) => (
            <option key={id} value={id}>
              {id} · {week} GW
            </option>
          ))}
        </select>
      </label>
      <label>
        Plane{' '}
        <select value={current.plane} onChange={(e) => setPlane((e.target as HTMLSelectElement).value)}>
          {planes.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      <label>
        Section{' '}
        <select value={current.id} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
          {inPlane.map((s) => (
            <option key={s.id} value={s.id}>
              #{s.index} ({s.id})
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Open section</button>
    </form>
  );
}

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
