import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  atlasRootsFromEnv,
  CytoclipError,
  isInside,
  resolveInAtlas,
  type AtlasManifest,
  type Specimen,
} from '@cytoclip/domain';
import { atlasJsonText, writeAtlasFiles } from '../../atlas-files.js';
import { scanSpecimen, specimensIn, type SpecimenFiles } from './layout.js';
import { convertOntology } from './ontology.js';
import { keyIntoPlatform } from './platform.js';
import { emptyReport, summaryText, type ImportReport, type SpecimenReport } from './report.js';
import { importSection, importUnannotatedSection, type DharaniSectionEntry, type SectionContext } from './section.js';
import { DHARANI_SPECIMENS, gestationalWeekOf, SECTION_SPACING_UM, specimenId } from './specimens.js';

export interface DharaniImportOptions {
  /** Specimen numbers to import (default: every `data2d/specimen_N` in the folder). */
  specimens?: number[];
  /** One atlas folder for all requested specimens; default one `dharani-specimen-N` beside the folder per specimen. */
  out?: string;
  /** Replace an existing atlas folder (otherwise refused). */
  replace?: boolean;
  /** Gestational weeks per specimen number, overriding DHARANI's pcw + 2. */
  weeks?: Record<number, number>;
  /** Where ingest follows symlinks (default CYTOCLIP_ATLAS_ROOTS / DATA_DIR/atlases): checked, warned about. */
  roots?: string[];
  onProgress?: (event: { specimen: number; section: number; done: number; total: number }) => void;
}

export interface ImportedAtlas {
  dir: string;
  name: string;
  manifest: AtlasManifest & { sections: DharaniSectionEntry[] };
  report: ImportReport;
  /** The text summary (also what the CLI prints). */
  summary: string;
}

export const DHARANI_CITATION = 'Verma et al. 2025, J Comp Neurol, doi:10.1002/cne.70006 (DHARANI, CC BY 4.0)';
const ONTOLOGY_FILE = 'ontology/ontology.json';

interface AtlasPlan {
  name: string;
  dir: string;
  specimens: number[];
}

/**
 * Imports DHARANI as published (a copy of the bucket `dharani-fetal-brain-atlas`, or part of it) into platform
 * atlases: atlas.json, ontology.json, converted annotations, symlinks to the downloaded images and
 * import-report.json. Refuses, before writing anything, a folder without the ontology, an unknown or missing
 * specimen, and an existing output folder (unless `replace`). A section whose files fail is left out and listed in
 * the report; the others import.
 */
export async function importDharani(folder: string, options: DharaniImportOptions = {}): Promise<ImportedAtlas[]> {
  const root = resolve(folder);
  const numbers = chooseSpecimens(await specimensIn(root), options.specimens, root);
  const weeks = weeksOf(numbers, options.weeks);
  const ontology = await readOntology(root);
  const plans = planAtlases(root, numbers, options.out);
  for (const plan of plans) await checkOutput(plan.dir, root, options.replace ?? false);
  const roots = options.roots ?? atlasRootsFromEnv();
  const atlases: ImportedAtlas[] = [];
  for (const plan of plans) atlases.push(await writeAtlas(root, plan, ontology, weeks, roots, options));
  return atlases;
}

function chooseSpecimens(found: number[], wanted: number[] | undefined, root: string): number[] {
  const numbers = wanted?.length ? [...new Set(wanted)] : found;
  for (const n of numbers) {
    if (!DHARANI_SPECIMENS[n])
      throw new CytoclipError('invalid_argument', `specimen ${n}: DHARANI has specimens 1 to 5`, { status: 400 });
    if (!found.includes(n))
      throw new CytoclipError('import_folder_invalid', `${join(root, `data2d/specimen_${n}`)} not found`, {
        status: 404,
        detail: { specimen: n },
      });
  }
  if (numbers.length === 0)
    throw new CytoclipError('import_folder_invalid', `${join(root, 'data2d')} holds no specimen_N folder`, {
      status: 404,
    });
  return numbers;
}

function weeksOf(numbers: number[], given: Record<number, number> = {}): Map<number, number> {
  for (const [n, week] of Object.entries(given))
    if (typeof week !== 'number' || !(week > 0 && week < 60))
      throw new CytoclipError('invalid_argument', `weeks: specimen ${n} needs a gestational week, got ${week}`);
  return new Map(numbers.map((n) => [n, given[n] ?? gestationalWeekOf(DHARANI_SPECIMENS[n]!.pcw)]));
}

async function readOntology(root: string): Promise<ReturnType<typeof keyIntoPlatform>> {
  const text = await readFile(join(root, ONTOLOGY_FILE), 'utf8').catch((cause: unknown) => {
    throw new CytoclipError(
      'ontology_missing',
      `${join(root, ONTOLOGY_FILE)} not found: fetch it with ` +
        `aws s3 cp --no-sign-request s3://dharani-fetal-brain-atlas/${ONTOLOGY_FILE} ${join(root, ONTOLOGY_FILE)}`,
      { status: 404, cause, detail: { file: ONTOLOGY_FILE } },
    );
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CytoclipError('ontology_invalid', `${join(root, ONTOLOGY_FILE)}: not valid JSON`, {
      status: 422,
      detail: { file: ONTOLOGY_FILE },
    });
  }
  return keyIntoPlatform(convertOntology(raw, join(root, ONTOLOGY_FILE)));
}

function planAtlases(root: string, numbers: number[], out: string | undefined): AtlasPlan[] {
  const name = (list: number[]) =>
    list.length === 1 ? `dharani-specimen-${list[0]}` : `dharani-specimens-${list.join('-')}`;
  if (out) return [{ name: name(numbers), dir: resolve(out), specimens: numbers }];
  return numbers.map((n) => ({ name: name([n]), dir: join(dirname(root), name([n])), specimens: [n] }));
}

/** Refuses an existing output (unless replacing an earlier atlas) and any output that holds the download. */
async function checkOutput(dir: string, root: string, replace: boolean): Promise<void> {
  if (isInside(root, dir))
    throw new CytoclipError('invalid_argument', `the output ${dir} would contain the download folder ${root}`);
  const entries = await readdir(dir).catch(() => null);
  if (entries === null) return;
  if (!replace)
    throw new CytoclipError('output_exists', `atlas folder ${dir} already exists (--replace to replace it)`, {
      status: 409,
      detail: { dir },
    });
  if (entries.length > 0 && !entries.includes('atlas.json'))
    throw new CytoclipError('output_exists', `${dir} is not an atlas folder (no atlas.json): not replaced`, {
      status: 409,
      detail: { dir },
    });
}

async function writeAtlas(
  root: string,
  plan: AtlasPlan,
  ontology: ReturnType<typeof keyIntoPlatform>,
  weeks: Map<number, number>,
  roots: string[],
  options: DharaniImportOptions,
): Promise<ImportedAtlas> {
  const tmp = join(dirname(plan.dir), `.${basename(plan.dir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(join(tmp, 'sections'), { recursive: true });
  try {
    const report = emptyReport({
      folder: root,
      atlas: plan.name,
      dir: plan.dir,
      ontology: {
        file: ONTOLOGY_FILE,
        renamed: ontology.renamed,
        duplicateIds: ontology.duplicateIds,
        coloursFixed: ontology.coloursFixed,
        platform: ontology.platform,
      },
    });
    report.regions.inOntology = ontology.ontology.regions.length - ontology.platform.platformRegions;
    const mapped = new Set<string>();
    const specimens: Specimen[] = [];
    const sections: DharaniSectionEntry[] = [];
    for (const n of plan.specimens) {
      const files = await scanSpecimen(root, n);
      specimens.push(specimenEntry(n, weeks.get(n)!));
      const ctx: SectionContext = {
        folder: root,
        out: tmp,
        specimen: { number: n, id: specimenId(n), plane: DHARANI_SPECIMENS[n]!.plane },
        ontology,
        listing: files.listing,
        report,
        mapped,
      };
      const imported = await importSpecimen(ctx, files, options.onProgress);
      sections.push(...imported);
      report.specimens.push(specimenReport(n, weeks.get(n)!, files, imported.length));
    }
    report.regions.mapped = [...mapped].sort();
    const manifest = manifestOf(plan, specimens, sections, root);
    await checkConfinement(tmp, sections, roots, report);
    await writeAtlasFiles(tmp, { manifest, ontology: ontology.ontology });
    await writeFile(join(tmp, 'import-report.json'), atlasJsonText(report));
    await rm(plan.dir, { recursive: true, force: true });
    await rename(tmp, plan.dir);
    return { dir: plan.dir, name: plan.name, manifest, report, summary: summaryText(report) };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

async function importSpecimen(
  ctx: SectionContext,
  files: SpecimenFiles,
  onProgress: DharaniImportOptions['onProgress'],
): Promise<DharaniSectionEntry[]> {
  const { report } = ctx;
  report.ignoredFiles.count += files.ignored.length;
  report.ignoredFiles.examples.push(...files.ignored.slice(0, 5 - report.ignoredFiles.examples.length));
  report.warnings.push(...files.listingProblems);
  const imported: DharaniSectionEntry[] = [];
  let done = 0;
  for (const section of files.sections) {
    report.sections.found++;
    if (section.annotations) report.sections.annotated++;
    const id = `${ctx.specimen.id}_${section.number}`;
    if (!section.image)
      report.sections.notImported.push({ section: id, file: section.annotations!, reason: 'no image' });
    else {
      // An unannotated section is imported without annotations: ingest tiles its tissue with region null.
      const entry = section.annotations
        ? await importSection(ctx, section)
        : await importUnannotatedSection(ctx, section);
      if (entry) imported.push(entry);
    }
    onProgress?.({
      specimen: ctx.specimen.number,
      section: section.number,
      done: ++done,
      total: files.sections.length,
    });
  }
  const downloaded = new Set(files.sections.filter((s) => s.image).map((s) => s.number));
  report.sections.listedNotDownloaded += [...(files.listing?.keys() ?? [])].filter((s) => !downloaded.has(s)).length;
  report.sections.imported += imported.length;
  return imported;
}

function specimenEntry(n: number, week: number): Specimen {
  const { pcw, notes } = DHARANI_SPECIMENS[n]!;
  const derived = week === gestationalWeekOf(pcw);
  return {
    id: specimenId(n),
    gestationalWeek: week,
    ageSource: derived ? `pcw ${pcw}` : `pcw ${pcw} (DHARANI); ${week} GW given on import`,
    notes,
  };
}

function specimenReport(n: number, week: number, files: SpecimenFiles, imported: number): SpecimenReport {
  const { pcw, plane } = DHARANI_SPECIMENS[n]!;
  return {
    number: n,
    id: specimenId(n),
    plane,
    pcw,
    gestationalWeek: week,
    sections: files.sections.length,
    annotated: files.sections.filter((s) => s.annotations).length,
    imported,
    listing: files.listingFile,
  };
}

function manifestOf(plan: AtlasPlan, specimens: Specimen[], sections: DharaniSectionEntry[], root: string) {
  return {
    format: 'cytoclip-atlas/1' as const,
    name: plan.name,
    ontology: 'ontology.json',
    specimens,
    sections,
    source: {
      name: 'DHARANI',
      citation: DHARANI_CITATION,
      bucket: 's3://dharani-fetal-brain-atlas',
      folder: root,
      sectionSpacingUm: SECTION_SPACING_UM,
    },
  };
}

/**
 * Runs the confinement check ingest will run (domain resolveInAtlas) on every image link: a download folder outside
 * the atlas roots is reported once, with what to do, rather than found at ingest.
 */
async function checkConfinement(
  dir: string,
  sections: DharaniSectionEntry[],
  roots: string[],
  report: ImportReport,
): Promise<void> {
  for (const section of sections) {
    const refused = await resolveInAtlas(dir, section.image, roots, 'image').then(
      () => false,
      () => true,
    );
    if (refused) {
      report.warnings.push(
        `the images link into ${report.folder}, which lies outside the atlas roots (${roots.join(':')}): ingest ` +
          'will refuse them; move the download under a root or add its folder to CYTOCLIP_ATLAS_ROOTS',
      );
      return;
    }
  }
}
