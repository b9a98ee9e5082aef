import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from './analyzer.js';
import { documentVector, type SparseVector } from './sparse.js';

/** A region as the catalog holds it: the ontology's name and description, and its path root first, ending with it. */
export interface LexicalRegion {
  acronym: string;
  name: string;
  description: string;
  path: string[];
}

/** The parts of `services/domain/thesaurus/neuroanatomy.json` the annotation text reads (see its README). */
export interface ThesaurusEntry {
  names: string[];
  abbreviations: string[];
  cellTypes?: string[];
  looks?: string[];
  positions?: string[];
  functions?: string[];
  ages?: { from: number; to: number; looks: string[] }[];
}
export interface Thesaurus {
  format: string;
  regions: Record<string, ThesaurusEntry>;
}

/** The parts an annotated item's lexical text can be made of. */
export const LEXICAL_FIELDS = [
  'names',
  'abbreviations',
  'cellTypes',
  'description',
  'ages',
  'ancestors',
  'looks',
  'positions',
  'functions',
] as const;
export type LexicalField = (typeof LEXICAL_FIELDS)[number];
/**
 * All of them: its region's names, synonyms and abbreviations, cell types, the ontology's description, the
 * thesaurus's appearance at the item's age, its ancestors' names, and the region's NISSL looks, position and
 * neighbours, and functions. Chosen on the dev half of the query set: hybrid P@10 0.757 with the first six, 0.786
 * with the looks, 0.821 with all (services/query/README.md).
 */
export const DEFAULT_LEXICAL_FIELDS: readonly LexicalField[] = LEXICAL_FIELDS;

/** The thesaurus shipped in this package (found from the source and from the built dist/ alike). */
export function loadThesaurus(path = thesaurusPath()): Thesaurus {
  return JSON.parse(readFileSync(path, 'utf8')) as Thesaurus;
}

function thesaurusPath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'thesaurus', 'neuroanatomy.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('services/domain/thesaurus/neuroanatomy.json not found');
}

/**
 * Builds the lexical text and vector of an annotated item from its region and gestational week: the one builder
 * ingest and `cytoclip reindex` use. A thesaurus entry is used only when its first name is the region's ontology
 * name, so an imported ontology that reuses an acronym for another structure is described by its own words only.
 * Vectors are memoised per region and age: every tile of a region at one age shares one.
 */
export class AnnotationText {
  private readonly regions: Map<string, LexicalRegion>;
  private readonly vectors = new Map<string, SparseVector>();

  constructor(
    regions: Iterable<LexicalRegion>,
    private readonly thesaurus: Thesaurus | null = loadThesaurus(),
    private readonly fields: readonly LexicalField[] = DEFAULT_LEXICAL_FIELDS,
  ) {
    this.regions = new Map([...regions].map((r) => [r.acronym, r]));
  }

  /** The item's annotation text; empty when the ontology does not know the region. */
  text(region: string, gestationalWeek: number): string {
    const own = this.regions.get(region);
    if (!own) return '';
    const entry = this.entry(own);
    const parts: string[] = [];
    const add = (field: LexicalField, words: readonly string[] | undefined) => {
      if (this.fields.includes(field) && words) parts.push(...words);
    };
    add('names', entry?.names ?? [own.name]);
    if (entry && !entry.names.includes(own.name)) add('names', [own.name]);
    add('abbreviations', entry?.abbreviations ?? [own.acronym]);
    add('cellTypes', entry?.cellTypes);
    add('description', [own.description]);
    add(
      'ages',
      entry?.ages?.filter((a) => a.from <= gestationalWeek && gestationalWeek <= a.to).flatMap((a) => a.looks),
    );
    add(
      'ancestors',
      own.path.filter((a) => a !== region).map((a) => this.regions.get(a)?.name ?? a),
    );
    add('looks', entry?.looks);
    add('positions', entry?.positions);
    add('functions', entry?.functions);
    return parts.filter(Boolean).join(' . ');
  }

  /** The BM25 document vector of `text(region, week)`. */
  vector(region: string, gestationalWeek: number): SparseVector {
    const key = `${region}\u0000${gestationalWeek}`;
    let vector = this.vectors.get(key);
    if (!vector) {
      vector = documentVector(analyze(this.text(region, gestationalWeek)));
      this.vectors.set(key, vector);
    }
    return vector;
  }

  private entry(region: LexicalRegion): ThesaurusEntry | undefined {
    const entry = this.thesaurus?.regions[region.acronym];
    return entry && entry.names[0]?.toLowerCase() === region.name.toLowerCase() ? entry : undefined;
  }
}
