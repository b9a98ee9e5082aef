import { useEffect, useState } from 'preact/hooks';

interface Props {
  bounds: [number, number];
  value: [number, number] | null;
  onChange(value: [number, number] | null): void;
}

/** Two thumbs on one track; the search runs when a thumb is let go (change), not on every step (input). */
export function WeekRange({ bounds, value, onChange }: Props) {
  const current = value ?? bounds;
  const [draft, setDraft] = useState<[number, number]>(current);
  useEffect(() => setDraft(value ?? bounds), [value?.[0], value?.[1], bounds[0], bounds[1]]);
  const commit = (next: [number, number]) => {
    const ordered: [number, number] = next[0] <= next[1] ? next : [next[1], next[0]];
    onChange(ordered[0] <= bounds[0] && ordered[1] >= bounds[1] ? null : ordered);
  };
  const span = Math.max(1, bounds[1] - bounds[0]);
  const pct = (w: number) => `${((w - bounds[0]) / span) * 100}%`;
  return (
    <fieldset class="week-range">
      <legend>Gestational week</legend>
      <output id="week-range-value" aria-live="polite">
        {value ? `${draft[0]}–${draft[1]} GW` : `all ages (${bounds[0]}–${bounds[1]} GW)`}
      </output>
      <div class="range-track" style={{ '--lo': pct(Math.min(...draft)), '--hi': pct(Math.max(...draft)) }}>
        {([0, 1] as const).map((i) => (
          <input
            key={i}
            type="range"
            min={bounds[0]}
            max={bounds[1]}
            step={1}
            value={draft[i]}
            aria-label={i === 0 ? 'Youngest gestational week' : 'Oldest gestational week'}
            aria-describedby="week-range-value"
            onInput={(e) => {
              const next: [number, number] = [...draft];
              next[i] = Number((e.target as HTMLInputElement).value);
              setDraft(next);
            }}
            onChange={(e) => {
              const next: [number, number] = [...draft];
              next[i] = Number((e.target as HTMLInputElement).value);
              commit(next);
            }}
          />
        ))}
      </div>
      {value && (
        <button type="button" class="link" onClick={() => onChange(null)}>
          Any age
        </button>
      )}
    </fieldset>
  );
}
