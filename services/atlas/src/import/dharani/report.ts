import type { Plane } from '@cytoclip/domain';
import type { AnnotationStats, SkipReason } from './annotations.js';
import type { PlatformMapping } from './platform.js';

/** A file that could not be used: the section is not imported, or only some of its features are. */
export interface ImportFailure {
  /** Relative to the download folder; `message` starts with it. */
  file: string;
  section?: string;
  code: string;
  message: string;
  consequence: 'section not imported' | 'features left out';
}

export interface SpecimenReport {
  number: number;
  id: string;
  plane: Plane;
  pcw: number;
  gestationalWeek: number;
  sections: number;
  annotated: number;
  imported: number;
  listing: string | null;
}

/** `import-report.json` in the atlas folder (format `cytoclip-import-report/1`). */
export interface ImportReport {
  format: 'cytoclip-import-report/1';
  source: 'DHARANI';
  folder: string;
  atlas: string;
  dir: string;
  specimens: SpecimenReport[];
  sections: {
    found: number;
    annotated: number;
    imported: number;
    /** Listing rows whose image is not in the download (a partial sync). */
    listedNotDownloaded: number;
    notImported: { section: string; file: string; reason: string }[];
  };
  regions: {
    inOntology: number;
    /** Acronyms the imported annotations use. */
    mapped: string[];
    /** Region ids the annotations use that the ontology lacks, with their feature counts and files. */
    unmapped: { id: string; features: number; files: string[] }[];
  };
  features: {
    read: number;
    kept: number;
    repaired: number;
    holesDropped: number;
    skipped: Partial<Record<SkipReason, number>>;
    skippedTypes: Record<string, number>;
  };
  ontology: {
    file: string;
    renamed: { id: string; from: string; to: string }[];
    duplicateIds: string[];
    coloursFixed: number;
    /** DHARANI's regions keyed into the platform's tree (namespaced, mapped by the table in services/domain). */
    platform: PlatformMapping;
  };
  ignoredFiles: { count: number; examples: string[] };
  failed: ImportFailure[];
  warnings: string[];
}

export function emptyReport(base: Pick<ImportReport, 'folder' | 'atlas' | 'dir' | 'ontology'>): ImportReport {
  return {
    format: 'cytoclip-import-report/1',
    source: 'DHARANI',
    ...base,
    specimens: [],
    sections: { found: 0, annotated: 0, imported: 0, listedNotDownloaded: 0, notImported: [] },
    regions: { inOntology: 0, mapped: [], unmapped: [] },
    features: { read: 0, kept: 0, repaired: 0, holesDropped: 0, skipped: {}, skippedTypes: {} },
    ignoredFiles: { count: 0, examples: [] },
    failed: [],
    warnings: [],
  };
}

const add = <K extends string>(into: Partial<Record<K, number>>, from: Partial<Record<K, number>>) => {
  for (const [k, v] of Object.entries(from) as [K, number][]) into[k] = (into[k] ?? 0) + v;
};

/** Adds one section's feature counts; `mapped` collects acronyms, `unmapped` ids with their files. */
export function addStats(report: ImportReport, stats: AnnotationStats, file: string, mapped: Set<string>): void {
  const f = report.features;
  f.read += stats.features;
  f.kept += Object.values(stats.kept).reduce((a, b) => a + b, 0);
  f.repaired += stats.repaired;
  f.holesDropped += stats.holesDropped;
  add(f.skipped, stats.skipped);
  add(f.skippedTypes, stats.skippedTypes);
  for (const acronym of Object.keys(stats.kept)) mapped.add(acronym);
  for (const [id, count] of Object.entries(stats.unknownIds)) {
    let entry = report.regions.unmapped.find((u) => u.id === id);
    if (!entry) report.regions.unmapped.push((entry = { id, features: 0, files: [] }));
    entry.features += count;
    entry.files.push(file);
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

/** The text summary the CLI prints. */
export function summaryText(report: ImportReport): string {
  const s = report.sections;
  const f = report.features;
  const reasons: Record<string, number> = {};
  for (const n of s.notImported) reasons[n.reason] = (reasons[n.reason] ?? 0) + 1;
  const failedSections = report.failed.filter((e) => e.consequence === 'section not imported').length;
  if (failedSections) reasons.failed = failedSections;
  const lines = [
    `${report.atlas} → ${report.dir}`,
    ...report.specimens.map(
      (p) =>
        `  specimen ${p.number} (${p.id}): ${p.pcw} pcw = ${p.gestationalWeek} GW, ${p.plane}; ${p.sections} sections, ` +
        `${p.annotated} annotated, ${p.imported} imported${p.listing ? '' : ' (no listing CSV)'}`,
    ),
    `  sections: ${s.found} found, ${s.annotated} annotated, ${s.imported} imported` +
      (Object.keys(reasons).length ? `; not imported: ${counts(reasons)}` : '') +
      (s.listedNotDownloaded ? `; ${s.listedNotDownloaded} listed but not downloaded` : ''),
    `  regions: ${report.regions.mapped.length} mapped, ${report.regions.unmapped.length} unmapped` +
      (report.regions.unmapped.length ? ` (ids ${report.regions.unmapped.map((u) => u.id).join(', ')})` : '') +
      ` of ${report.regions.inOntology} in the ontology; ` +
      `${report.ontology.platform.mapped} mapped to the platform's tree, ${report.ontology.platform.unmapped} kept ` +
      `under their own names (dharani:…)`,
    `  features: ${f.read} read, ${f.kept} kept (${f.repaired} repaired)` +
      (Object.keys(f.skipped).length ? `; skipped: ${counts(f.skipped)}` : '') +
      (Object.keys(f.skippedTypes).length ? ` (non-polygon: ${counts(f.skippedTypes)})` : '') +
      (f.holesDropped ? `; ${f.holesDropped} short holes dropped` : ''),
  ];
  if (report.ignoredFiles.count) lines.push(`  ignored (not sections): ${plural(report.ignoredFiles.count, 'file')}`);
  if (report.failed.length) {
    lines.push(`  failed (${report.failed.length}):`);
    for (const e of report.failed) lines.push(`    ${e.message} (${e.consequence})`);
  }
  for (const w of report.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
