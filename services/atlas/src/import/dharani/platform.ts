import { loadOntologyMapping, mappedRegions, namespaced, type OntologyRegion } from '@cytoclip/domain';
import { buildOntology } from '../../ontology.js';
import type { ConvertedOntology } from './ontology.js';

/** DHARANI's namespace: its regions are `dharani:<acronym>` on the platform, never the platform's own acronyms. */
export const DHARANI_NAMESPACE = 'dharani';

/** How DHARANI's regions met the platform's tree (import-report.json → ontology.platform). */
export interface PlatformMapping {
  /** The mapping table read (services/domain/ontologies). */
  table: string;
  /** DHARANI regions mapped to at least one platform region. */
  mapped: number;
  /** DHARANI regions no rule maps: searchable under their own (namespaced) names only. */
  unmapped: number;
  /** Platform regions written into ontology.json (the mapping's targets and their ancestors). */
  platformRegions: number;
}

/**
 * DHARANI's converted ontology keyed into the platform's: every acronym namespaced (`CP-FCTx` → `dharani:CP-FCTx`, so
 * DHARANI's "CP" never meets the platform's), each region given the platform regions the mapping table names as
 * `sameAs`, and those platform regions (with their ancestors, exactly as the generator writes them) added, so the
 * catalog files a DHARANI region under them: a filter on the platform's CP finds DHARANI's CP-* zones too.
 */
export function keyIntoPlatform(converted: ConvertedOntology): ConvertedOntology & { platform: PlatformMapping } {
  const mapping = loadOntologyMapping(DHARANI_NAMESPACE);
  const platform = new Map(buildOntology().regions.map((r) => [r.acronym, r]));
  const wanted = new Set<string>();
  const key = (acronym: string) => namespaced(DHARANI_NAMESPACE, acronym);
  let mapped = 0;
  const regions: OntologyRegion[] = converted.ontology.regions.map((r) => {
    const same = mappedRegions(mapping, r.acronym).filter((p) => platform.has(p));
    if (same.length) mapped++;
    for (const p of same) for (let at: string | null = p; at !== null; at = platform.get(at)!.parent) wanted.add(at);
    return {
      ...r,
      acronym: key(r.acronym),
      parent: r.parent === null ? null : key(r.parent),
      ...(same.length ? { sameAs: same } : {}),
    };
  });
  const added = [...platform.values()].filter((r) => wanted.has(r.acronym));
  return {
    ...converted,
    ontology: { ...converted.ontology, regions: [...added, ...regions] },
    acronymOf: new Map([...converted.acronymOf].map(([id, acronym]) => [id, key(acronym)])),
    platform: {
      table: `services/domain/ontologies/${DHARANI_NAMESPACE}-to-${mapping.to}.json`,
      mapped,
      unmapped: regions.length - mapped,
      platformRegions: added.length,
    },
  };
}
