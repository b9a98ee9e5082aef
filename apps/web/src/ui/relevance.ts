/** How the results header words the count and the cutoff (pure: unit-tested in logic.test.ts). */
import type { SearchResponse, Target } from './types.js';

/**
 * The header's count: under a relevance cutoff "N relevant" (exact) or "about N relevant" (a hybrid ranking's fused
 * head), "more than 10,000" where the server stopped counting; without one, "N ranked".
 */
export function countWords(response: Pick<SearchResponse, 'total' | 'totalExact' | 'cutoff'>, target: Target) {
  const items = target === 'regions' ? 'region images' : 'tiles';
  const cut = response.cutoff?.minScore ?? null;
  const atCap = !response.totalExact && response.total >= 10_000;
  const lead = response.totalExact ? '' : atCap ? 'more than ' : 'about ';
  const noun = cut === null ? `${items} ranked` : `relevant ${items}`;
  const cutoff =
    cut === null
      ? response.cutoff?.source === 'uncalibrated'
        ? 'No relevance cutoff: this model carries no calibration, so every item is ranked.'
        : 'No relevance cutoff: every item is ranked.'
      : response.cutoff?.source === 'calibration'
        ? `Scores of at least ${cut.toFixed(3)}, the cutoff fitted for this model on validation data.`
        : `Scores of at least ${cut.toFixed(3)}, as asked.`;
  return { lead, noun, cutoff };
}
