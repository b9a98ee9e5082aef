import { CytoclipError, type Ontology, type OntologyRegion } from '@cytoclip/domain';

/** One node of DHARANI's ontology tree (ontology/ontology.json: `{"msg":[{"children":[…]}]}`). */
interface DharaniNode {
  id?: number | string;
  acronym?: string;
  name?: string;
  color_hex_triplet?: string;
  children?: DharaniNode[];
}

export interface ConvertedOntology {
  ontology: Ontology;
  /** DHARANI region id (as a string: features give it as a number or a string) → the platform acronym. */
  acronymOf: Map<string, string>;
  /** Acronyms changed so that each is unique (the platform keys regions by acronym): `{ id, from, to }`. */
  renamed: { id: string; from: string; to: string }[];
  /** Ids found more than once in the tree: the first node is kept. */
  duplicateIds: string[];
  /** Colours that were not six hex digits and were fixed (or replaced by grey). */
  coloursFixed: number;
}

const GREY = '#aaaaaa';

/** The region id as features name it: 123, "123" and " 123 " are one id. */
export function regionKey(id: unknown): string | null {
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id === 'string' && id.trim() !== '') return id.trim();
  return null;
}

function colour(hex: unknown): { color: string; fixed: boolean } {
  const digits = typeof hex === 'string' ? hex.trim().replace(/^#/, '').toLowerCase() : '';
  if (/^[0-9a-f]{6}$/.test(digits)) return { color: `#${digits}`, fixed: false };
  if (/^[0-9a-f]{3}$/.test(digits)) return { color: `#${[...digits].map((d) => d + d).join('')}`, fixed: true };
  // Triplets written as numbers lose their leading zeros ("A0A0A" is 0A0A0A).
  if (/^[0-9a-f]{1,5}$/.test(digits)) return { color: `#${digits.padStart(6, '0')}`, fixed: true };
  return { color: GREY, fixed: true };
}

function invalid(file: string, why: string): CytoclipError {
  return new CytoclipError('ontology_invalid', `${file}: ${why}`, { status: 422, detail: { file } });
}

/** The roots of DHARANI's tree: the children of the envelope's first message. */
function roots(raw: unknown, file: string): DharaniNode[] {
  const msg = (raw as { msg?: unknown } | null)?.msg;
  const first = Array.isArray(msg) ? (msg[0] as DharaniNode | undefined) : undefined;
  if (!first || !Array.isArray(first.children))
    throw invalid(file, 'expected DHARANI\'s envelope {"msg":[{"children":[…regions…]}]}');
  return first.children;
}

/**
 * DHARANI's ontology as `cytoclip-ontology/1`: each node a region with its acronym, name, parent acronym and colour
 * (`#rrggbb`). A node without an acronym is named `DHARANI-<id>`; a repeated acronym gets `_<id>` appended (the
 * platform keys regions by acronym); both are listed in `renamed`.
 */
export function convertOntology(raw: unknown, file: string): ConvertedOntology {
  const result: ConvertedOntology = {
    ontology: { format: 'cytoclip-ontology/1', regions: [] },
    acronymOf: new Map(),
    renamed: [],
    duplicateIds: [],
    coloursFixed: 0,
  };
  const taken = new Set<string>();
  const visit = (node: DharaniNode, parent: string | null) => {
    const key = regionKey(node?.id);
    if (key === null) throw invalid(file, `a region has no id (under ${parent ?? 'the root'})`);
    if (result.acronymOf.has(key)) {
      result.duplicateIds.push(key);
      return;
    }
    const acronym = uniqueAcronym(node, key, taken, result.renamed);
    result.acronymOf.set(key, acronym);
    const { color, fixed } = colour(node.color_hex_triplet);
    if (fixed) result.coloursFixed++;
    result.ontology.regions.push(region(node, acronym, parent, color));
    for (const child of Array.isArray(node.children) ? node.children : []) visit(child, acronym);
  };
  for (const root of roots(raw, file)) visit(root, null);
  if (result.ontology.regions.length === 0) throw invalid(file, 'the ontology has no regions');
  return result;
}

function uniqueAcronym(node: DharaniNode, key: string, taken: Set<string>, renamed: ConvertedOntology['renamed']) {
  const given = typeof node.acronym === 'string' ? node.acronym.trim() : '';
  let acronym = given || `DHARANI-${key}`;
  while (taken.has(acronym)) acronym = `${acronym}_${key}`;
  if (acronym !== given) renamed.push({ id: key, from: given, to: acronym });
  taken.add(acronym);
  return acronym;
}

function region(node: DharaniNode, acronym: string, parent: string | null, color: string): OntologyRegion {
  const name = typeof node.name === 'string' && node.name.trim() ? node.name.trim() : acronym;
  const id = typeof node.id === 'number' ? node.id : String(node.id).trim();
  // DHARANI gives names, not descriptions; the sentence says where the region comes from rather than invent one.
  return { id, acronym, name, parent, description: `${name} (DHARANI ontology id ${id}).`, color };
}
