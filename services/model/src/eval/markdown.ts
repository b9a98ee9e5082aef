import type { EvalReport } from './evaluate.js';
import { TEST_SETS } from './protocol.js';

const COLUMNS: [string, (s: EvalReport['testSets']['seen']) => number | undefined][] = [
  ['zero-shot acc', (s) => s.zeroShot?.accuracy],
  ['zero-shot macro-F1', (s) => s.zeroShot?.macroF1],
  ['kNN acc', (s) => s.knn?.accuracy],
  ['kNN macro-F1', (s) => s.knn?.macroF1],
  ['text→image P@10', (s) => s.textToImage?.precisionAt10],
  ['P@10 attainable', (s) => s.textToImage?.attainableAt10],
  ['image→text R@1', (s) => s.imageToText?.recallAt1],
  ['image→text R@5', (s) => s.imageToText?.recallAt5],
];

/** The report as a Markdown table, one row per test set (– where a figure does not exist). */
export function evalMarkdown(report: EvalReport): string {
  const head = `| test set | images | regions | ${COLUMNS.map(([c]) => c).join(' | ')} |`;
  const rule = `|${'---|'.repeat(COLUMNS.length + 3)}`;
  const rows = TEST_SETS.map((name) => {
    const s = report.testSets[name];
    const cells = COLUMNS.map(([, get]) => (get(s) === undefined ? '–' : get(s)!.toFixed(3)));
    return `| ${name} | ${s.n} | ${s.regions.length} | ${cells.join(' | ')} |`;
  });
  const p = report.protocol;
  const note =
    `${report.model} on ${report.dataset}; held-out ages ${p.heldOutAges.join(', ')} GW, held-out planes ${p.heldOutPlanes.join(', ')}; ` +
    `seen = ${p.split} split; kNN k=${p.k} over ${report.gallery} train images.`;
  return [head, rule, ...rows, '', note].join('\n');
}
