import { useEffect, useState } from 'preact/hooks';
import {
  AREA_EVENT,
  areaLabel,
  isRefined,
  NO_REFINEMENT,
  refinedQuery,
  sideOf,
  thumb,
  withoutPick,
  type Refinement,
  type SectionRegion,
} from '../refine.js';
import type { Query, SearchResult, Target } from '../types.js';
import './refine.css';

/** Thumbs on result cards: which side a result is on, and what a click does. */
export interface Thumbs {
  sideOf(id: string): 'up' | 'down' | null;
  onThumb(result: SearchResult, side: 'up' | 'down'): void;
}

/**
 * The refinement of the current search: reset whenever the plain query or the target changes (a new search), set by
 * thumbs and by "search this area" in the viewer. `onChange` runs on every change the user makes (back to page 1).
 */
export function useRefinement(base: Query | null, target: Target, onChange: () => void) {
  const [refinement, setRefinement] = useState<Refinement>(NO_REFINEMENT);
  const change = (next: (r: Refinement) => Refinement) => {
    setRefinement(next);
    onChange();
  };
  useEffect(() => setRefinement(NO_REFINEMENT), [queryKey(base), target]);
  useEffect(() => {
    const onArea = (e: Event) => change((r) => ({ ...r, up: [], area: (e as CustomEvent<SectionRegion>).detail }));
    addEventListener(AREA_EVENT, onArea);
    return () => removeEventListener(AREA_EVENT, onArea);
  });
  const thumbs: Thumbs = {
    sideOf: (id) => sideOf(refinement, id),
    onThumb: (result, side) => change((r) => thumb(r, result, side)),
  };
  return {
    refinement,
    query: refinedQuery(base, refinement, target),
    /** Changes whenever the query sent changes. */
    key: JSON.stringify(refinement),
    thumbs,
    remove: (id: string) => change((r) => withoutPick(r, id)),
    removeArea: () => change((r) => ({ ...r, area: null })),
    clear: () => change(() => NO_REFINEMENT),
  };
}

/** A query's identity without its (possibly megabytes of) image data. */
function queryKey(q: Query | null): string {
  if (!q) return '';
  if ('image' in q) return `image:${q.image.length}:${q.image.slice(-64)}`;
  return JSON.stringify(q);
}

/** What the search is refined by, each part a chip that removes itself. */
export function RefinementChips({
  refine,
  describeQuery,
}: {
  refine: Pick<ReturnType<typeof useRefinement>, 'refinement' | 'remove' | 'removeArea' | 'clear'>;
  /** The plain query in words ("dense granular layer", "image x.png" …), shown as the first positive. */
  describeQuery: string;
}) {
  const { refinement, remove: onRemove, removeArea: onRemoveArea, clear: onClear } = refine;
  if (!isRefined(refinement)) return null;
  const { up, down, area } = refinement;
  return (
    <div class="refinement" role="group" aria-label="Search refined by">
      <span class="muted">Refined by: </span>
      {area ? (
        <span class="chip refine-chip area" data-refine="area">
          Area {areaLabel(area)}
          <button type="button" class="link" aria-label="Remove the area" onClick={onRemoveArea}>
            ×
          </button>
        </span>
      ) : (
        describeQuery && (
          <span class="chip refine-chip up" data-refine="query">
            + {describeQuery}
          </span>
        )
      )}
      {[...up.map((p) => ['up', p] as const), ...down.map((p) => ['down', p] as const)].map(([side, p]) => (
        <span key={p.id} class={`chip refine-chip ${side}`} data-refine={side} data-id={p.id}>
          <img src={p.imageUrl} alt="" width={20} height={20} />
          {side === 'up' ? '+ ' : '− '}
          {p.label}
          <button
            type="button"
            class="link"
            aria-label={`Remove ${side === 'up' ? 'more' : 'less'} like ${p.label}`}
            onClick={() => onRemove(p.id)}
          >
            ×
          </button>
        </span>
      ))}
      <button type="button" class="link" onClick={onClear}>
        Clear
      </button>
    </div>
  );
}

/**
 * A thumb drawn as SVG, not the emoji: machines without an emoji font (headless Chromium here, many lab desktops on
 * Linux) showed empty boxes.
 */
function ThumbIcon({ down }: { down?: boolean }) {
  return (
    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" class="thumb-icon">
      <g transform={down ? 'rotate(180 8 8)' : undefined} fill="currentColor">
        <rect x="1" y="7" width="3" height="8" rx="0.5" />
        <path d="M5.5 7.2 8.6 1.6c.4-.7 1.6-.5 1.6.5v3.6h3.3c.9 0 1.6.9 1.3 1.8l-1.6 6.2c-.2.7-.8 1.2-1.5 1.2H5.5z" />
      </g>
    </svg>
  );
}

/** Thumbs up / down on one result card. */
export function ThumbButtons({ result, rank, thumbs }: { result: SearchResult; rank: number; thumbs: Thumbs }) {
  const side = thumbs.sideOf(result.id);
  return (
    <span class="thumbs" role="group" aria-label={`Refine by result ${rank}`}>
      <button
        type="button"
        class="thumb up"
        aria-pressed={side === 'up'}
        aria-label={`More like result ${rank}`}
        title="More like this"
        onClick={() => thumbs.onThumb(result, 'up')}
      >
        <ThumbIcon />
      </button>
      <button
        type="button"
        class="thumb down"
        aria-pressed={side === 'down'}
        aria-label={`Less like result ${rank}`}
        title="Less like this"
        onClick={() => thumbs.onThumb(result, 'down')}
      >
        <ThumbIcon down />
      </button>
    </span>
  );
}
