import { regionLabel } from '../region-label.js';
import type { SearchResult } from '../types.js';
import { ThumbButtons, type Thumbs } from './Refinement.js';
import './regions.css';

export function ResultCard({
  result,
  rank,
  onOpen,
  thumbs,
}: {
  result: SearchResult;
  rank: number;
  onOpen(r: SearchResult): void;
  /** Thumbs up / down that refine the search (the grid of a search's results). */
  thumbs?: Thumbs;
}) {
  const label = regionLabel(result);
  const region = label.unannotated ? label.acronym : `${label.acronym} (${label.name})`;
  return (
    <li
      class="result-card"
      data-id={result.id}
      data-kind={result.kind}
      data-week={result.gestationalWeek}
      data-plane={result.plane}
    >
      <button
        type="button"
        onClick={() => onOpen(result)}
        aria-label={`Result ${rank}: ${region}, score ${result.score.toFixed(3)}, ${result.gestationalWeek} GW, ${result.plane}, section ${result.section}`}
      >
        {/* A whole region keeps its shape (letterboxed, regions.css); a tile fills the square it is. */}
        <img src={result.imageUrl} alt="" loading="lazy" width={160} height={160} />
        <span class="score">{result.score.toFixed(3)}</span>
        <span class={label.unannotated ? 'region-name unannotated' : 'region-name'}>{label.acronym}</span>
        <span class="meta">
          {result.gestationalWeek} GW · {result.plane}
        </span>
      </button>
      {thumbs && <ThumbButtons result={result} rank={rank} thumbs={thumbs} />}
    </li>
  );
}

export function ResultGrid({
  results,
  firstRank,
  onOpen,
  thumbs,
}: {
  results: SearchResult[];
  firstRank: number;
  onOpen(r: SearchResult): void;
  thumbs?: Thumbs;
}) {
  return (
    <ol class="result-grid" start={firstRank} aria-label="Results">
      {results.map((r, i) => (
        <ResultCard key={r.id} result={r} rank={firstRank + i} onOpen={onOpen} {...(thumbs ? { thumbs } : {})} />
      ))}
    </ol>
  );
}

export function Pager({
  page,
  pageSize,
  total,
  onPage,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage(p: number): void;
}) {
  // total is what the pages return together (the server counts it under minScore and perSection, ≤ 10,000).
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Previous
      </button>
      <span aria-current="page">
        Page {page} of {pages}
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next →
      </button>
    </nav>
  );
}

/** Results counted per region, largest group first; each group opens to its cards. */
export function RegionGroups({
  results,
  onOpen,
  thumbs,
}: {
  results: SearchResult[];
  onOpen(r: SearchResult): void;
  thumbs?: Thumbs;
}) {
  const groups = new Map<string, { name: string; items: SearchResult[] }>();
  for (const r of results) {
    const label = regionLabel(r);
    const key = label.acronym;
    const group = groups.get(key) ?? { name: label.name, items: [] };
    group.items.push(r);
    groups.set(key, group);
  }
  const sorted = [...groups.entries()].sort((a, b) => b[1].items.length - a[1].items.length);
  return (
    <ul class="region-groups" aria-label="Results by region">
      {sorted.map(([acronym, group]) => (
        <li key={acronym}>
          <details>
            <summary>
              <strong>{acronym}</strong> {group.name} <span class="count">{group.items.length}</span>
              <span class="muted"> best {Math.max(...group.items.map((r) => r.score)).toFixed(3)}</span>
            </summary>
            <ResultGrid results={group.items} firstRank={1} onOpen={onOpen} {...(thumbs ? { thumbs } : {})} />
          </details>
        </li>
      ))}
    </ul>
  );
}
