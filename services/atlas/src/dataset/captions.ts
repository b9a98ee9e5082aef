import type { OntologyRegion, Plane, Variant } from '@cytoclip/domain';

/**
 * Captions: the only text the mini models ever read. Each item gets several, composed from the region's
 * cytoarchitecture (the ontology description at the item's age), its name and acronym, its parent, the age and the
 * plane, in many phrasings and with the synonyms neuroanatomists use, so the text encoder meets the same meaning
 * in different words.
 */
export interface CaptionInput {
  region: OntologyRegion;
  /** The region's parent, for "part of the …" phrasings. */
  parent?: OntologyRegion | undefined;
  /** The description at this item's age (regionDescription or the ontology's). */
  description: string;
  gestationalWeek: number;
  plane: Plane;
  variant: Variant;
}

/** Descriptive words found in a description, each with synonyms a neuroanatomist might write instead. */
const VOCABULARY: [RegExp, string[]][] = [
  [
    /\b(very |extremely |tightly |densely )?(densely packed|cell-dense|dense)\b/i,
    ['densely packed', 'high cell density', 'cell-dense', 'hypercellular', 'closely packed somata', 'crowded nuclei'],
  ],
  [
    /\b(cell-sparse|sparse|scattered)\b/i,
    ['cell-sparse', 'low cell density', 'hypocellular', 'sparsely populated', 'scattered cells in a pale neuropil'],
  ],
  [/\bmoderate(ly)?\b/i, ['moderate cell density', 'intermediate packing density']],
  [
    /\bradial(ly)?\b/i,
    ['radially oriented', 'perpendicular to the pial surface', 'radial alignment', 'vertical orientation'],
  ],
  [
    /\btangential(ly)?\b|\bhorizontal(ly)?\b/i,
    ['tangentially oriented', 'parallel to the pial surface', 'horizontal orientation'],
  ],
  [/\bcolumn(s|ar)?\b/i, ['columnar organisation', 'vertical cell columns', 'radial columns']],
  [/\belongated\b|\bspindle\b|\bfusiform\b/i, ['elongated somata', 'spindle-shaped cells', 'fusiform nuclei']],
  [/\bround\b/i, ['round somata', 'spherical nuclei', 'rounded cell bodies']],
  [/\bsmall\b/i, ['small cells', 'small somata', 'small-bodied neurons']],
  [/\blarge\b|\bbetz\b|\bgiant\b/i, ['large cells', 'large somata', 'big cell bodies', 'magnocellular']],
  [/\bpyramidal\b/i, ['pyramidal neurons', 'triangular cell bodies']],
  // Not for "without a granular layer" (M1) nor "weakly granular" (PFC): those are agranular or dysgranular.
  [
    /(?<!without an? |no |lacking an? |weakly |thin, weakly )\bgranul(ar|e)\b|\bkonio/i,
    ['granular', 'granule cells', 'koniocellular', 'small granular neurons'],
  ],
  [/\bagranular\b/i, ['agranular', 'no granular layer IV', 'lacking an inner granular layer']],
  [
    /\bdarkly stained\b|\bdark\b/i,
    ['darkly stained', 'intensely basophilic', 'hyperchromatic nuclei', 'strong Nissl staining'],
  ],
  [/\bpale\b/i, ['pale', 'lightly stained', 'weakly basophilic', 'faint staining']],
  [/\blayer(s|ed)?\b|\blaminat/i, ['laminated', 'layered', 'stratified', 'laminar organisation']],
  [/\bunlaminated\b|\bhomogeneous\b/i, ['unlaminated', 'homogeneous', 'without distinct layers']],
  [
    /\bcluster(s|ed)?\b|\bpatch(es)?\b|\bisland/i,
    ['clustered', 'cells in clusters', 'aggregated in islands', 'patchy'],
  ],
  [
    /\bfib(re|er)s?\b|\baxon|\bwhite matter\b|\bfibrous\b/i,
    ['fibre-rich', 'myelinating fibre bundles', 'fibrous neuropil'],
  ],
  [/\bproliferat|\bprogenitor/i, ['proliferative', 'progenitor cells', 'germinal zone', 'mitotically active']],
  [
    /\bpalisade|\bpseudostratified\b|\bepitheli/i,
    ['palisading nuclei', 'pseudostratified epithelium', 'tightly stacked nuclei'],
  ],
  [/\bmigrat/i, ['migrating neurons', 'migratory cells']],
  [/\bthin\b|\bnarrow\b/i, ['thin band', 'narrow zone']],
  [/\bthick\b|\bwide\b|\bbroad\b/i, ['thick band', 'wide zone', 'broad layer']],
  [/\bnucle(us|i|ar)\b/i, ['nuclear grey matter', 'neuronal nucleus']],
];

const STAINS = ['NISSL-stained', 'Nissl-stained', 'cresyl violet stained', 'Nissl (cresyl violet)', 'NISSL'];
const TILE_KINDS = [
  'tile',
  'patch',
  'high-magnification field',
  'microscopy tile at cellular resolution',
  'image patch',
];
const REGION_KINDS = ['whole-region image', 'masked crop of the whole region', 'region image', 'outline of the region'];
const PLANES: Record<Plane, string[]> = {
  coronal: ['coronal', 'frontal'],
  sagittal: ['sagittal', 'parasagittal'],
  axial: ['axial', 'horizontal', 'transverse'],
};

function trimester(week: number): string {
  return week < 14 ? 'first' : week < 28 ? 'second' : 'third';
}

function ageStage(week: number): string {
  if (week < 18) return 'early fetal';
  if (week < 26) return 'mid-gestation';
  if (week < 34) return 'late fetal';
  return 'near-term';
}

function formatWeek(week: number): string {
  return Number.isInteger(week) ? String(week) : week.toFixed(1);
}

/** The descriptive phrases a description supports, with one synonym picked per concept by `pick`. */
export function descriptors(description: string, pick: (n: number) => number): string[] {
  const found: string[] = [];
  for (const [pattern, synonyms] of VOCABULARY)
    if (pattern.test(description)) found.push(synonyms[pick(synonyms.length)]!);
  return found;
}

/** Small deterministic generator from a string (FNV-1a then xorshift), so captions depend only on the item. */
export function chooser(seed: string): (n: number) => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return (n: number) => {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    return (h >>> 0) % n;
  };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function firstSentence(text: string): string {
  const m = /^.*?[.!?](\s|$)/.exec(text);
  return (m ? m[0] : text).trim().replace(/[.!?]$/, '');
}

/** `count` distinct captions for one item, deterministic in `seed` (the item id). */
export function composeCaptions(input: CaptionInput, seed: string, count = 5): string[] {
  const pick = chooser(seed);
  const one = <T>(list: readonly T[]): T => list[pick(list.length)]!;
  const { region, parent, description, plane, variant } = input;
  const week = formatWeek(input.gestationalWeek);
  const pcw = formatWeek(input.gestationalWeek - 2);
  const name = region.name;
  const acr = region.acronym;
  const kind = () => one(variant === 'tile' ? TILE_KINDS : REGION_KINDS);
  const planeWord = () => one(PLANES[plane]);
  // A fresh draw of up to four descriptors (and of their synonyms) each time, so every concept gets its turn.
  const traits = () => {
    const words = descriptors(description, pick);
    for (let i = words.length - 1; i > 0; i--) {
      const j = pick(i + 1);
      [words[i], words[j]] = [words[j]!, words[i]!];
    }
    return words.length ? words.slice(0, 4).join(', ') : 'characteristic cytoarchitecture';
  };
  const partOf = parent ? `, part of the ${parent.name}` : '';
  const first = firstSentence(description);
  const candidates = [
    `A ${one(STAINS)} ${kind()} of the ${name} (${acr}) from a ${planeWord()} section of the fetal human brain at ${week} gestational weeks.`,
    `${first}. The ${name} at ${week} GW, ${planeWord()} section.`,
    `${capitalise(traits())}: the ${name}${partOf}, ${one(['in a', 'seen in a', 'from a'])} ${planeWord()} ${one(STAINS)} section at ${week} weeks of gestation.`,
    `${acr} at ${week} GW (${pcw} post-conception weeks), ${planeWord()} plane: ${lowerFirst(first)}.`,
    `${capitalise(ageStage(input.gestationalWeek))} ${name}, ${trimester(input.gestationalWeek)} trimester, ${one(STAINS)}: ${traits()}.`,
    `${description} (${name}, ${acr}; ${week} GW; ${plane})`,
    `${one(['Cytoarchitecture of the', 'Nissl cytoarchitecture of the', 'Cell-body stain of the'])} ${name}${partOf}: ${traits()}; ${ageStage(input.gestationalWeek)} brain, ${planeWord()} cut.`,
    `${capitalise(kind())} showing ${name} (${acr}) with ${traits()}, ${week}-week fetal brain.`,
  ];
  // Deterministic shuffle, then the first `count` distinct captions.
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
  }
  return [...new Set(candidates.map((c) => c.replace(/\s+/g, ' ').trim()))].slice(0, count);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
