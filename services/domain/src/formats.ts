import { isPlane, type AtlasManifest, type Ontology, type SectionEntry } from './atlas-types.js';
import { CytoclipError } from './errors.js';

// The one reader of each atlas file format (formats.md §1): pure functions over parsed JSON, so the ingest service,
// the dataset builder and the model runtime hold atlas.json and ontology.json to the same rules. Reading the files
// (and naming a missing one) stays with the caller.

export const ATLAS_FORMAT = 'cytoclip-atlas/1';
export const ONTOLOGY_FORMAT = 'cytoclip-ontology/1';

/** Names that become file names and URL segments: a letter or digit, then letters, digits, `.`, `_`, `-`. */
export const SAFE_ID = /^[A-Za-z0-9][\w.-]*$/;

function invalid(file: string, why: string, detail: Record<string, unknown> = {}): CytoclipError {
  return new CytoclipError('atlas_invalid', `${file}: ${why}`, { status: 422, detail: { file, ...detail } });
}

function unsupported(file: string, format: unknown, expected: string): CytoclipError {
  return new CytoclipError('unsupported_format', `${file}: format ${JSON.stringify(format)} is not "${expected}"`, {
    status: 422,
    detail: { file, format },
  });
}

/**
 * atlas.json checked: its format, a safe name, the ontology file named, specimens with safe unique ids and a week
 * count, sections with safe unique ids of known specimens, a plane, an integer index, an image path, an annotation
 * path unless the section is unannotated, a positive µm/px and a stain. Where the files lie is the caller's to check (resolveInAtlas).
 */
export function parseAtlasManifest(raw: unknown, file: string): AtlasManifest {
  const m = raw as Partial<AtlasManifest> | null;
  if (!m || typeof m !== 'object' || Array.isArray(m)) throw invalid(file, 'not a JSON object');
  if (m.format !== ATLAS_FORMAT) throw unsupported(file, m.format, ATLAS_FORMAT);
  if (typeof m.name !== 'string' || !SAFE_ID.test(m.name))
    throw invalid(file, `"name" must be letters, digits, . _ - (got ${JSON.stringify(m.name)})`);
  if (typeof m.ontology !== 'string') throw invalid(file, '"ontology" must name the ontology file');
  if (!Array.isArray(m.specimens) || !Array.isArray(m.sections))
    throw invalid(file, '"specimens" and "sections" must be lists');
  const specimens = new Set<string>();
  for (const s of m.specimens) {
    if (typeof s?.id !== 'string' || !SAFE_ID.test(s.id))
      throw invalid(file, `specimen id ${JSON.stringify(s?.id)} is not a safe id`);
    if (typeof s.gestationalWeek !== 'number' || !(s.gestationalWeek > 0 && s.gestationalWeek < 60))
      throw invalid(file, `specimen ${s.id}: gestationalWeek must be a number of weeks`, { specimen: s.id });
    if (specimens.has(s.id)) throw invalid(file, `specimen ${s.id} appears twice`);
    specimens.add(s.id);
  }
  const sections = new Set<string>();
  for (const s of m.sections) checkSection(s, file, specimens, sections);
  return m as AtlasManifest;
}

function checkSection(s: SectionEntry, file: string, specimens: Set<string>, seen: Set<string>): void {
  const id = s?.id;
  if (typeof id !== 'string' || !SAFE_ID.test(id))
    throw invalid(file, `section id ${JSON.stringify(id)} is not a safe id`);
  if (seen.has(id)) throw invalid(file, `section ${id} appears twice`);
  seen.add(id);
  const bad = (why: string) => invalid(file, `section ${id}: ${why}`, { section: id });
  if (!specimens.has(s.specimen)) throw bad(`unknown specimen ${JSON.stringify(s.specimen)}`);
  if (!isPlane(s.plane)) throw bad(`plane must be coronal, sagittal or axial (got ${JSON.stringify(s.plane)})`);
  if (!Number.isInteger(s.index)) throw bad('index must be an integer');
  if (typeof s.image !== 'string') throw bad('"image" must be a file path');
  // An unannotated section (no "annotations") is tiled and searched with region null.
  if (s.annotations !== undefined && typeof s.annotations !== 'string')
    throw bad('"annotations" must be a file path, or left out for an unannotated section');
  if (typeof s.micronsPerPixel !== 'number' || !(s.micronsPerPixel > 0))
    throw bad('micronsPerPixel must be a positive number');
  if (typeof s.stain !== 'string') throw bad('stain must be a string');
}

/** ontology.json checked: its format, at least one region, each with an acronym and a name, acronyms unique, parents known. */
export function parseOntology(raw: unknown, file = 'ontology.json'): Ontology {
  const o = raw as Partial<Ontology> | null;
  const bad = (why: string) =>
    new CytoclipError('ontology_invalid', `${file}: ${why}`, { status: 422, detail: { file } });
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad('not a JSON object');
  if (o.format !== ONTOLOGY_FORMAT) throw unsupported(file, o.format, ONTOLOGY_FORMAT);
  if (!Array.isArray(o.regions) || o.regions.length === 0) throw bad('"regions" must be a list of regions');
  const seen = new Set<string>();
  for (const region of o.regions) {
    if (typeof region !== 'object' || region === null) throw bad('every region must be an object');
    if (typeof region.acronym !== 'string' || region.acronym === '')
      throw bad('every region needs an "acronym" (a non-empty string)');
    if (typeof region.name !== 'string' || region.name === '')
      throw bad(`region ${region.acronym} needs a "name" (a non-empty string)`);
    if (seen.has(region.acronym)) throw bad(`region ${region.acronym} appears twice`);
    seen.add(region.acronym);
  }
  for (const region of o.regions) {
    if (region.parent != null && !seen.has(region.parent))
      throw bad(`region ${region.acronym} has unknown parent ${String(region.parent)}`);
    if (region.sameAs == null) continue;
    if (!Array.isArray(region.sameAs)) throw bad(`region ${region.acronym}: "sameAs" must be a list of acronyms`);
    for (const same of region.sameAs)
      if (typeof same !== 'string' || !seen.has(same) || same === region.acronym)
        throw bad(`region ${region.acronym} is the same as unknown region ${String(same)}`);
  }
  return o as Ontology;
}
