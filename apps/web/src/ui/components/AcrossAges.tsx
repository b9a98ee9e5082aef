import { useEffect, useState } from 'preact/hooks';
import { fetchSpecimens, search } from '../api.js';
import { atlasWeeks } from '../region-outline.js';
import type { OpenedResult, SearchResult } from '../types.js';
import './across-ages.css';

/** One column of the strip: a week of the atlas and the region's best match there (null: none of that age). */
interface WeekBest {
  week: number;
  best: OpenedResult | null;
}

/**
 * The same region across ages, side by side: for every gestational week the atlas holds, the tile (or whole-region
 * image) of the open result's region that is most like the open result, found by one "similar to it" search per week
 * filtered to the region and the week. The open result stands for its own week. A card opens that result.
 */
export function AcrossAges({ result, onOpen }: { result: OpenedResult; onOpen?(r: OpenedResult): void }) {
  const strip = useAcrossAges(result);
  const region = result.region?.acronym;
  // Drawn, empty, while the weeks load: its height is kept from the start, so the viewer above does not shrink
  // after it has fitted the result.
  if (!region) return null;
  const what = result.kind === 'region' ? 'region image' : 'tile';
  return (
    <section class="across-ages" aria-label={`${region} across ages`}>
      <strong>{region} across ages</strong>{' '}
      <span class="muted">(at each week the atlas holds, the {what} of this region most like this one)</span>
      <ol aria-busy={strip === null}>
        {(strip ?? []).map(({ week, best }) => (
          <li key={week} data-week={week}>
            {best ? (
              <button
                type="button"
                aria-current={best.id === result.id ? 'true' : undefined}
                disabled={!onOpen || best.id === result.id}
                onClick={() => onOpen?.(best)}
                aria-label={`${region} at ${week} GW: ${best.plane}, section ${best.section}${best.id === result.id ? ' (this result)' : ''}`}
              >
                <img src={best.imageUrl} alt="" loading="lazy" width={64} height={64} />
                <span>{week} GW</span>
                <span class="muted">{best.id === result.id ? 'this one' : best.score?.toFixed(3)}</span>
              </button>
            ) : (
              <span class="empty">
                {week} GW
                <br />
                no {region}
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The weeks (fetched once per page) and each week's best, fetched again when another result opens. */
let weeksOnce: Promise<number[]> | null = null;

function useAcrossAges(result: OpenedResult): WeekBest[] | null {
  const [strip, setStrip] = useState<WeekBest[] | null>(null);
  const region = result.region?.acronym;
  useEffect(() => {
    setStrip(null);
    if (!region) return;
    const controller = new AbortController();
    weeksOnce ??= fetchSpecimens().then(atlasWeeks);
    weeksOnce
      .then((weeks) => Promise.all(weeks.map((week) => bestOfWeek(result, region, week, controller.signal))))
      .then(setStrip, () => controller.signal.aborted || setStrip([]));
    return () => controller.abort();
  }, [result.id]);
  return strip;
}

async function bestOfWeek(result: OpenedResult, region: string, week: number, signal: AbortSignal): Promise<WeekBest> {
  if (week === result.gestationalWeek) return { week, best: result };
  const regions = result.kind === 'region';
  const page = await search(
    {
      query: regions ? { regionImageId: result.id } : { tileId: result.id },
      target: regions ? 'regions' : 'tiles',
      filter: { regions: [region], gestationalWeek: { gte: week, lte: week } },
      cutoff: 'none',
      limit: 1,
    },
    signal,
  );
  const best: SearchResult | undefined = page.results[0];
  return { week, best: best ?? null };
}
