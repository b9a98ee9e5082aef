import { analyze, PLANES, type Plane, type Thesaurus } from '@cytoclip/domain';

/**
 * Words as filters: what a query's text says about age, plane, specimen and region, as a filter the client may apply
 * (the web app offers each part as a chip). Never applied by the server: the answer carries it as `suggestedFilter`.
 *
 * - Ages: the thesaurus's age phrasings ("22 GW", "at 20 weeks", "gestational week 21", "20 pcw", "PCW 19" …) and
 *   ranges ("18–24 GW", "18 to 24 weeks"); post-conception weeks become gestational weeks (+2).
 * - Planes: the thesaurus's plane words, except single words that also name anatomy ("frontal", "horizontal",
 *   "transverse": the frontal lobe, horizontal cells, the transverse temporal gyrus) — those count only in a phrase
 *   such as "frontal section".
 * - Specimens: an indexed specimen's id as a whole word (any case).
 * - Regions: the ontology's names and the thesaurus's names and synonyms, matched on the lexical analyzer's terms
 *   (so plurals and accents agree), longest first and without overlap ("lateral ganglionic eminence" is LGE, not
 *   GE); acronyms, abbreviations and names written in capitals as whole words, case-sensitive ("CA" but not "ca").
 */
export interface SuggestedFilter {
  gestationalWeek?: { gte: number; lte: number };
  planes?: Plane[];
  specimens?: string[];
  regions?: string[];
}

interface Phrase {
  terms: string[];
  value: string;
}

/** Names written as acronyms (a thesaurus may list "CA" among a region's names) match case-sensitively. */
const ACRONYM = /^[\p{Lu}\p{N}]{2,}$/u;
const UNAMBIGUOUS_PLANE_WORDS = new Set(['coronal', 'sagittal', 'parasagittal', 'midsagittal', 'axial']);
const NUMBER = '(\\d{1,2}(?:\\.\\d)?)';
const UNITS = '(gw|gestational weeks?|weeks? of gestation|weeks?|wks?|pcw|post-?conception(?:al)? weeks?)';
const RANGE = new RegExp(`\\b${NUMBER}\\s*(?:-|–|—|to)\\s*${NUMBER}\\s*${UNITS}(?![\\p{L}\\p{N}])`, 'iu');

export class FilterSuggester {
  private readonly regionPhrases: Phrase[];
  private readonly acronyms = new Map<string, string>();
  private readonly planePhrases: Phrase[];
  private readonly ages: { pattern: RegExp; pcw: boolean }[];
  private readonly specimens: Map<string, string>;

  constructor(
    regions: { acronym: string; name: string }[],
    thesaurus: Thesaurus & {
      planes?: Record<string, string[]>;
      ageWords?: { formats?: string[] };
    },
    specimens: string[],
  ) {
    this.regionPhrases = [];
    for (const region of regions) {
      const entry = thesaurus.regions[region.acronym];
      const own = entry && entry.names[0]?.toLowerCase() === region.name.toLowerCase() ? entry : undefined;
      for (const name of [region.name, ...(own?.names ?? [])]) {
        if (ACRONYM.test(name)) this.addAcronym(name, region.acronym);
        else this.addPhrase(this.regionPhrases, analyze(name), region.acronym);
      }
      for (const abbreviation of [region.acronym, ...(own?.abbreviations ?? [])])
        this.addAcronym(abbreviation, region.acronym);
    }
    this.planePhrases = [];
    for (const plane of PLANES) {
      for (const words of thesaurus.planes?.[plane] ?? [plane]) {
        if (words.includes(' ') || UNAMBIGUOUS_PLANE_WORDS.has(words))
          this.addPhrase(this.planePhrases, plainWords(words), plane);
      }
    }
    this.ages = (thesaurus.ageWords?.formats ?? ['{gw} GW', '{pcw} pcw']).map((format) => ({
      pattern: agePattern(format),
      pcw: format.includes('{pcw}'),
    }));
    this.specimens = new Map(specimens.map((id) => [id.toLowerCase(), id]));
  }

  private addAcronym(acronym: string, region: string): void {
    if (acronym.length >= 2 && !this.acronyms.has(acronym)) this.acronyms.set(acronym, region);
  }

  private addPhrase(list: Phrase[], terms: string[], value: string): void {
    if (terms.length > 0 && !list.some((p) => p.value === value && p.terms.join(' ') === terms.join(' ')))
      list.push({ terms, value });
  }

  /** The filter the text suggests, or null when it names nothing. */
  suggest(text: string): SuggestedFilter | null {
    const out: SuggestedFilter = {};
    const week = this.week(text);
    if (week) out.gestationalWeek = week;
    const planes = matchPhrases(this.planePhrases, plainWords(text)) as Plane[];
    if (planes.length) out.planes = planes;
    const words = text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    const specimens = unique(words.flatMap((w) => this.specimens.get(w.toLowerCase()) ?? []));
    if (specimens.length) out.specimens = specimens;
    const regions = unique([
      ...matchPhrases(this.regionPhrases, analyze(text)),
      ...words.flatMap((w) => this.acronyms.get(w) ?? []),
    ]);
    if (regions.length) out.regions = regions;
    return Object.keys(out).length > 0 ? out : null;
  }

  private week(text: string): SuggestedFilter['gestationalWeek'] | null {
    const range = RANGE.exec(text);
    if (range) {
      const shift = /p/i.test(range[3]!) ? 2 : 0;
      const [a, b] = [Number(range[1]) + shift, Number(range[2]) + shift];
      if (a <= b) return { gte: a, lte: b };
    }
    for (const { pattern, pcw } of this.ages) {
      const found = pattern.exec(text);
      if (found) {
        const week = Number(found[1]) + (pcw ? 2 : 0);
        if (week >= 4 && week <= 45) return { gte: week, lte: week };
      }
    }
    return null;
  }
}

/** A thesaurus age phrasing ("at {gw} weeks", "PCW {pcw}") as a case-insensitive, whole-phrase pattern. */
function agePattern(format: string): RegExp {
  const escaped = format
    .split(/\{(?:gw|pcw)\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s*'))
    .join(NUMBER);
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
}

/** Lower-cased words, stop words kept: "frontal section" must not shrink to "frontal". */
function plainWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Values of the phrases found in the terms, longest phrases first, no term claimed twice. */
function matchPhrases(phrases: Phrase[], terms: string[]): string[] {
  const claimed = new Uint8Array(terms.length);
  const found: string[] = [];
  for (const phrase of [...phrases].sort((a, b) => b.terms.length - a.terms.length)) {
    const n = phrase.terms.length;
    for (let i = 0; i + n <= terms.length; i++) {
      if (phrase.terms.every((t, j) => terms[i + j] === t && claimed[i + j] === 0)) {
        claimed.fill(1, i, i + n);
        found.push(phrase.value);
      }
    }
  }
  return unique(found);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
