/** Sectioning planes of formats.md §1. */
export const PLANES = ['coronal', 'sagittal', 'axial'] as const;
export type Plane = (typeof PLANES)[number];

export function isPlane(value: unknown): value is Plane {
  return typeof value === 'string' && (PLANES as readonly string[]).includes(value);
}

/** The two CytoCLIP variants: whole-region crops and high-resolution tiles. */
export const VARIANTS = ['region', 'tile'] as const;
export type Variant = (typeof VARIANTS)[number];

export interface Specimen {
  id: string;
  /** Gestational weeks (from the last menstrual period); may be fractional. */
  gestationalWeek: number;
  /** Where the age came from when it was converted, e.g. "pcw 19". */
  ageSource?: string;
  notes?: string;
}

export interface SectionEntry {
  id: string;
  specimen: string;
  plane: Plane;
  index: number;
  stain: string;
  image: string;
  micronsPerPixel: number;
  /**
   * The section's GeoJSON, absent for an unannotated section: its tissue is still tiled, embedded and searched, with
   * region null (no region images, no lexical vector).
   */
  annotations?: string;
}

export interface AtlasManifest {
  format: 'cytoclip-atlas/1';
  name: string;
  ontology: string;
  specimens: Specimen[];
  sections: SectionEntry[];
  /** `presetRevision`: the preset's section plan (absent in atlases written before presets had revisions). */
  generator?: { name: string; version: string; seed: number; preset: string; presetRevision?: number };
}

export interface OntologyRegion {
  id: number | string;
  acronym: string;
  name: string;
  /** Parent acronym, or null for a root. */
  parent: string | null;
  description: string;
  color: string;
  /**
   * Platform regions (acronyms in this file) this region is the same as or lies inside, from a mapping table
   * (services/domain/ontologies): it is then filed under their paths too, so their filters match it in every atlas.
   */
  sameAs?: string[] | null;
}

export interface Ontology {
  format: 'cytoclip-ontology/1';
  regions: OntologyRegion[];
}
