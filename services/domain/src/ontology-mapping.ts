import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CytoclipError } from './errors.js';

// One imported ontology mapped onto the platform's region tree (services/domain/ontologies/<from>-to-<to>.json): each
// rule names platform acronyms a region of the imported ontology is the same as (or lies inside). An importer writes
// them as the region's `sameAs`; the catalog then files the region under their paths too, so a filter on a platform
// region matches every atlas's regions mapped to it, while the imported acronyms stay namespaced (`dharani:CP-FCTx`).

export const MAPPING_FORMAT = 'cytoclip-ontology-mapping/1';

export interface OntologyMapping {
  format: typeof MAPPING_FORMAT;
  /** The imported ontology's namespace, and the platform's. */
  from: string;
  to: string;
  /** Whole acronyms, then prefixes and suffixes (each rule adds its platform regions). */
  exact: Record<string, string[]>;
  prefixes: Record<string, string[]>;
  suffixes: Record<string, string[]>;
}

/** The mapping table `<from>-to-<to>.json` shipped in services/domain/ontologies, checked. */
export function loadOntologyMapping(from: string, to = 'cytoclip'): OntologyMapping {
  const path = mappingPath(`${from}-to-${to}.json`);
  return parseOntologyMapping(JSON.parse(readFileSync(path, 'utf8')), path);
}

export function parseOntologyMapping(raw: unknown, file: string): OntologyMapping {
  const m = raw as Partial<OntologyMapping> | null;
  const bad = (why: string) =>
    new CytoclipError('ontology_invalid', `${file}: ${why}`, { status: 422, detail: { file } });
  if (!m || typeof m !== 'object' || m.format !== MAPPING_FORMAT) throw bad(`format must be "${MAPPING_FORMAT}"`);
  if (typeof m.from !== 'string' || typeof m.to !== 'string') throw bad('"from" and "to" must name the ontologies');
  for (const key of ['exact', 'prefixes', 'suffixes'] as const) {
    const rules = m[key];
    if (!rules || typeof rules !== 'object') throw bad(`"${key}" must be an object`);
    for (const [rule, targets] of Object.entries(rules))
      if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string' || t === ''))
        throw bad(`"${key}"."${rule}" must be a list of platform acronyms`);
  }
  return m as OntologyMapping;
}

/** The platform acronyms an imported acronym maps to (every matching rule, in rule order, once each); [] when none. */
export function mappedRegions(mapping: OntologyMapping, acronym: string): string[] {
  const out = [...(mapping.exact[acronym] ?? [])];
  for (const [prefix, targets] of Object.entries(mapping.prefixes))
    if (acronym.startsWith(prefix)) out.push(...targets);
  for (const [suffix, targets] of Object.entries(mapping.suffixes)) if (acronym.endsWith(suffix)) out.push(...targets);
  return [...new Set(out)];
}

/** `dharani:CP-FCTx`: an imported region's key, so one atlas's acronym never meets another's homonym. */
export function namespaced(namespace: string, acronym: string): string {
  return `${namespace}:${acronym}`;
}

function mappingPath(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'ontologies', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new CytoclipError('file_not_found', `services/domain/ontologies/${name} not found`, { status: 500 });
}
