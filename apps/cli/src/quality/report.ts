import type { QueryLine, QuerySplit } from './queries.js';
import {
  scoreQueries,
  scoreSimilar,
  type EvalSource,
  type SimilarOptions,
  type SimilarReport,
  type TextReport,
} from './score.js';

export const SEARCH_EVAL_FORMAT = 'cytoclip-search-eval/1';

/** What `cytoclip eval --queries …` prints with --json (apps/cli/README.md documents every field). */
export interface SearchEvalReport {
  format: typeof SEARCH_EVAL_FORMAT;
  source: { api: string } | { dataset: string; dir: string; items: 'test' | 'all' };
  model: string | null;
  target: 'tiles' | 'regions';
  retrieval: string | null;
  text: (TextReport & { queries: string; split: QuerySplit | null }) | null;
  similar: SimilarReport;
  tookMs: number;
}

export interface SearchEvalOptions {
  queries: { file: string; lines: QueryLine[] } | null;
  split: QuerySplit | null;
  similar: SimilarOptions;
}

/** Text → image over the query set (its `split` only, when given), then image → image. */
export async function evaluateSearch(
  source: EvalSource,
  options: SearchEvalOptions,
): Promise<Pick<SearchEvalReport, 'text' | 'similar'>> {
  let text: SearchEvalReport['text'] = null;
  if (options.queries) {
    const lines = options.queries.lines.filter((q) => !options.split || q.split === options.split);
    text = { queries: options.queries.file, split: options.split, ...(await scoreQueries(source, lines)) };
  }
  return { text, similar: await scoreSimilar(source, options.similar) };
}

const f3 = (n: number) => n.toFixed(3);

/** The human summary (the JSON has every figure). */
export function searchEvalText(r: SearchEvalReport): string {
  const lines = [`model ${r.model ?? '?'}, target ${r.target}, retrieval ${r.retrieval ?? 'server default'}`];
  if (r.text) {
    const splits = Object.entries(r.text.perSplit).map(([s, v]) => `${s} ${f3(v.precisionAt10)} (n=${v.n})`);
    lines.push('', `text → image, ${r.text.n} queries: mean P@10 ${f3(r.text.precisionAt10)}; ${splits.join(', ')}`);
    if (r.text.missingRegions.length)
      lines.push(`regions the atlas lacks (scored 0): ${r.text.missingRegions.join(', ')}`);
    lines.push('   P@10  hits/att  split  regions         text');
    for (const q of r.text.perQuery)
      lines.push(
        `  ${f3(q.precisionAt10)}  ${`${q.hits}/${q.attainable}`.padStart(8)}  ${q.split.padEnd(5)}  ${q.regions.join(',').padEnd(14)}  ${q.text}`,
      );
  }
  const s = r.similar;
  lines.push(
    '',
    `find similar: macro ${f3(s.macro)} over ${s.regions} regions with ≥ ${s.minItems} items (${s.perRegion} drawn per region, seed ${s.seed}, top ${s.k})`,
  );
  for (const [region, v] of Object.entries(s.byRegion))
    lines.push(`  ${region.padEnd(8)} ${f3(v.share)}  (${v.items} items)`);
  return lines.join('\n');
}
