import type { AtlasInfo, Plane, RegionNode, SpecimenInfo } from '../types.js';
import { PLANES } from '../types.js';
import type { SearchState } from '../state.js';
import { WeekRange } from './WeekRange.js';
import { RegionTree } from './RegionTree.js';

interface Props {
  state: SearchState;
  specimens: SpecimenInfo[];
  atlases: AtlasInfo[];
  regions: RegionNode[];
  onChange(patch: Partial<SearchState>): void;
}

const toggle = <T,>(list: T[], item: T): T[] =>
  list.includes(item) ? list.filter((x) => x !== item) : [...list, item];

function CheckList<T extends string>(props: {
  legend: string;
  items: { value: T; label: string }[];
  selected: T[];
  onChange(next: T[]): void;
}) {
  if (props.items.length === 0) return null;
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.items.map((item) => (
        <label class="check" key={item.value}>
          <input
            type="checkbox"
            checked={props.selected.includes(item.value)}
            onChange={() => props.onChange(toggle(props.selected, item.value))}
          />
          {item.label}
        </label>
      ))}
    </fieldset>
  );
}

export function Filters({ state, specimens, atlases, regions, onChange }: Props) {
  const weeks = specimens.map((s) => s.gestationalWeek);
  const bounds: [number, number] = weeks.length
    ? [Math.floor(Math.min(...weeks)), Math.ceil(Math.max(...weeks))]
    : [8, 40];
  return (
    <aside class="filters" aria-label="Filters">
      <h2>Filters</h2>
      <fieldset>
        <legend>Show</legend>
        {(['tiles', 'regions'] as const).map((target) => (
          <label class="check" key={target}>
            <input
              type="radio"
              name="target"
              checked={state.target === target}
              onChange={() => onChange({ target, similar: null })}
            />
            {target === 'tiles' ? 'Tiles' : 'Whole regions'}
          </label>
        ))}
      </fieldset>
      <WeekRange bounds={bounds} value={state.weeks} onChange={(w) => onChange({ weeks: w })} />
      <CheckList<Plane>
        legend="Planes"
        items={PLANES.map((p) => ({ value: p, label: p }))}
        selected={state.planes}
        onChange={(planes) => onChange({ planes })}
      />
      <CheckList
        legend="Specimens"
        items={[...specimens]
          .sort((a, b) => a.gestationalWeek - b.gestationalWeek)
          .map((s) => ({ value: s.id, label: `${s.id} · ${s.gestationalWeek} GW` }))}
        selected={state.specimens}
        onChange={(specimens) => onChange({ specimens })}
      />
      <CheckList
        legend="Atlases"
        items={atlases.map((a) => ({ value: a.id, label: a.name }))}
        selected={state.atlases}
        onChange={(atlases) => onChange({ atlases })}
      />
      <RegionTree roots={regions} selected={state.regions} onChange={(r) => onChange({ regions: r })} />
    </aside>
  );
}
