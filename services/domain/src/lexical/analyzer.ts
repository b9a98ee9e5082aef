/**
 * The one analyzer of the lexical (BM25) index: documents at ingest and queries at search time go through it, so a
 * word matches only if both sides fold it the same way. Unicode-aware (NFKD, accents dropped, letters and digits of
 * any script), lower-cased; stop words dropped; plurals folded by a few English and Latin rules. Acronyms — short
 * tokens written in capitals, or capitals and digits (CA1, V1, SP, MGE, IV, NKX2) — are kept whole: never dropped as a stop word
 * ("IS", "AM") nor plural-folded ("CS").
 */

const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;
/** Capitals (and digits), 2–5 long or with a digit: CA1, V1, OSVZ, NKX2; a shouted word (FIBRES) is a word. */
const ACRONYM = /^(?=.*\p{Lu})(?:[\p{Lu}\p{N}]{2,5}|(?=.*\p{N})[\p{Lu}\p{N}]{2,})$/u;

/** English function words, plus words every query or caption of this domain carries and no annotation decides on. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been by for from has have in into is it its of on or that the their there these this ' +
    'those to was were which with within without than then them they we our you your i me my not no nor but so ' +
    'such can may also very more most some any all each both other only same about above below between under over ' +
    'near like looking look looks shows showing show seen where when while how what who whose one two ' +
    // age and image words: they say when and how an image was taken, not which region it shows
    'gw pcw week weeks gestational gestation old age aged image images picture photo tile tiles patch section ' +
    'sections slide stain stained staining nissl cresyl violet'
  ).split(/\s+/),
);

/** Plurals no suffix rule folds, and the British and American spellings of one word. */
const IRREGULAR: Record<string, string> = {
  nuclei: 'nucleus',
  gyri: 'gyrus',
  sulci: 'sulcus',
  ganglia: 'ganglion',
  strata: 'stratum',
  cortices: 'cortex',
  matrices: 'matrix',
  foramina: 'foramen',
  laminae: 'lamina',
  columnae: 'columna',
  fornices: 'fornix',
  cells: 'cell',
  fiber: 'fibre',
  fibers: 'fibre',
  gray: 'grey',
  center: 'centre',
  centers: 'centre',
  fetus: 'foetus',
  fetal: 'foetal',
};

/** The folded terms of a text, in order, repeats kept (a document's term frequencies come from them). */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const match of text.normalize('NFKD').replace(MARKS, '').matchAll(WORD)) {
    const raw = match[0];
    const word = raw.toLowerCase();
    if (ACRONYM.test(raw)) out.push(word);
    else if (!STOP_WORDS.has(word)) out.push(foldPlural(word));
  }
  return out;
}

/** Simple plural folding: irregular forms, then -ies → -y, -sses → -ss, -ches/-shes → -ch/-sh, -s (not -ss/-us/-is). */
export function foldPlural(word: string): string {
  const irregular = IRREGULAR[word];
  if (irregular) return irregular;
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ches') || word.endsWith('shes')) return word.slice(0, -2);
  if (word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}
