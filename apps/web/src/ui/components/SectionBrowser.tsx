import { useEffect, useState } from 'preact/hooks';
import { ApiError, fetchSections } from '../api.js';

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
