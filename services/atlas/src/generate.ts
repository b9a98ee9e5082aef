import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  CytoclipError,
  DEFAULT_TILE_GRID,
  isPlane,
  type AtlasManifest,
  type Plane,
  type SectionEntry,
} from '@cytoclip/domain';
import { writeAtlasFiles } from './atlas-files.js';
import { planSection, sectionAnnotations, writeSectionTiff } from './build.js';
import { assertWeek, buildOntology } from './ontology.js';
import { PRESETS, type Preset, type SectionPlan, type SpecimenPlan } from './presets.js';
import type { Nuisances } from './render/nuisance.js';
import { hash4, hashString } from './rng.js';
import { GENERATOR_NAME, GENERATOR_VERSION } from './version.js';

export interface GenerateOptions {
  preset: string;
  seed: number;
  /** Output folder; written to a temporary sibling and renamed into place. */
  out: string;
  /** Replace the preset's specimens by one specimen per week, cut with the preset's default sections. */
  weeks?: number[];
  /** Keep only sections in these planes. */
  planes?: Plane[];
  /** Replace an existing output folder. */
  overwrite?: boolean;
  /** Switch nuisances on or off (default: the preset's). */
  nuisances?: Partial<Nuisances>;
}

export interface GenerateStats {
  specimens: number;
  sections: number;
  megapixels: number;
  /** Tiles on the default grid (224 px at 1 µm/px) covering the sections. */
  tiles: number;
  seconds: number;
  /** CPU time of the whole process (all threads, libvips included) while generating: wall time on an idle machine. */
  cpuSeconds: number;
  megapixelsPerSecond: number;
}

export interface GenerateResult {
  dir: string;
  manifest: AtlasManifest;
  stats: GenerateStats;
}

const PLANE_CODE: Record<Plane, string> = { coronal: 'cor', sagittal: 'sag', axial: 'axi' };

/** Seeds a specimen's anatomy (its sulcal pattern), shared by all its sections. */
export function specimenSeed(seed: number, specimen: string): number {
  return hash4(seed, hashString(specimen), 0, 1);
}

/** `<specimen>-<cor|sag|axi>-<index>`, index = the position in whole % of the brain's extent along the plane's normal. */
export function sectionId(specimen: string, plan: SectionPlan): string {
  return `${specimen}-${PLANE_CODE[plan.plane]}-${String(Math.round(plan.position * 100)).padStart(4, '0')}`;
}

function resolvePreset(options: GenerateOptions): { preset: Preset; specimens: SpecimenPlan[] } {
  const preset = PRESETS[options.preset];
  if (!preset) {
    throw new CytoclipError(
      'unknown_preset',
      `unknown atlas preset "${options.preset}" (known: ${Object.keys(PRESETS).join(', ')})`,
      {
        detail: { preset: options.preset },
      },
    );
  }
  if (!Number.isInteger(options.seed))
    throw new CytoclipError('invalid_seed', `seed must be an integer, got ${options.seed}`);
  for (const plane of options.planes ?? [])
    if (!isPlane(plane)) throw new CytoclipError('invalid_plane', `unknown plane "${plane}"`);
  let specimens = preset.specimens;
  if (options.weeks) {
    if (options.weeks.length === 0) throw new CytoclipError('invalid_weeks', 'weeks must not be empty');
    options.weeks.forEach(assertWeek);
    specimens = options.weeks.map((w, k) => ({
      id: `S${String(k + 1).padStart(2, '0')}`,
      gestationalWeek: w,
      sections: preset.defaultSections,
    }));
  }
  const planes = options.planes;
  if (planes)
    specimens = specimens.map((s) => ({ ...s, sections: s.sections.filter((p) => planes.includes(p.plane)) }));
  specimens = specimens.filter((s) => s.sections.length > 0);
  if (specimens.length === 0) throw new CytoclipError('empty_atlas', 'no section matches the requested planes');
  return { preset, specimens };
}

/** Creates the temporary sibling folder, failing with a clear error when the output cannot be written. */
async function prepareOutput(out: string, overwrite: boolean): Promise<string> {
  const target = resolve(out);
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists && !overwrite)
    throw new CytoclipError('output_exists', `output folder ${out} already exists (overwrite to replace it)`, {
      status: 409,
    });
  const parent = dirname(target);
  try {
    await mkdir(parent, { recursive: true });
    await access(parent, constants.W_OK);
    const tmp = join(parent, `.${target.split('/').pop()}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(join(tmp, 'sections'), { recursive: true });
    return tmp;
  } catch (error) {
    throw new CytoclipError(
      'output_unwritable',
      `cannot write the atlas under ${parent}: ${(error as Error).message}`,
      { cause: error, status: 400 },
    );
  }
}

interface Written {
  entry: SectionEntry;
  pixels: number;
  tiles: number;
}

/** Renders one section into `tmp`: its pyramidal TIFF and its GeoJSON. */
async function writeSection(
  specimen: SpecimenPlan,
  plan: SectionPlan,
  preset: Preset,
  seed: number,
  nuisances: Nuisances,
  tmp: string,
): Promise<Written> {
  const index = Math.round(plan.position * 100);
  const id = sectionId(specimen.id, plan);
  const section = planSection({
    gestationalWeek: specimen.gestationalWeek,
    plane: plan.plane,
    position: plan.position,
    window: plan.window,
    micronsPerPixel: preset.micronsPerPixel,
    labelStep: preset.labelStep,
    lengthMm: preset.lengthMm(specimen.gestationalWeek),
    seed: hash4(seed, hashString(id), 0, 2),
    specimenSeed: specimenSeed(seed, specimen.id),
    nuisances,
    vessels: preset.vessels,
  });
  const image = `sections/${id}.tif`;
  const annotations = `sections/${id}.geojson`;
  await writeSectionTiff(section, join(tmp, image), join(tmp, `.scratch-${id}`));
  await writeFile(join(tmp, annotations), `${JSON.stringify(sectionAnnotations(section.labels))}\n`);
  const g = section.geometry;
  const grid = DEFAULT_TILE_GRID.size * DEFAULT_TILE_GRID.micronsPerPixel;
  return {
    entry: {
      id,
      specimen: specimen.id,
      plane: plan.plane,
      index,
      stain: 'nissl',
      image,
      micronsPerPixel: preset.micronsPerPixel,
      annotations,
    },
    pixels: g.width * g.height,
    tiles: Math.ceil((g.width * g.micronsPerPixel) / grid) * Math.ceil((g.height * g.micronsPerPixel) / grid),
  };
}

/** Generates a synthetic fetal NISSL atlas (formats.md §1) into `out`; all or nothing. */
export async function generateAtlas(options: GenerateOptions): Promise<GenerateResult> {
  const { preset, specimens } = resolvePreset(options);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const tmp = await prepareOutput(options.out, options.overwrite ?? false);
  const nuisances = { ...preset.nuisances, ...options.nuisances };
  const tasks = specimens.flatMap((specimen) => specimen.sections.map((plan) => ({ specimen, plan })));
  const written: Written[] = new Array(tasks.length);
  try {
    // Two lanes: while libvips builds one section's pyramid on its own threads, JavaScript renders the next one.
    let next = 0;
    const lane = async () => {
      for (let k = next++; k < tasks.length; k = next++)
        written[k] = await writeSection(tasks[k]!.specimen, tasks[k]!.plan, preset, options.seed, nuisances, tmp);
    };
    await Promise.all([lane(), lane()]);
    const sections = written.map((w) => w.entry);
    const pixels = written.reduce((sum, w) => sum + w.pixels, 0);
    const tiles = written.reduce((sum, w) => sum + w.tiles, 0);
    const manifest: AtlasManifest = {
      format: 'cytoclip-atlas/1',
      name: preset.atlasName,
      ontology: 'ontology.json',
      specimens: specimens.map((s) => ({
        id: s.id,
        gestationalWeek: s.gestationalWeek,
        notes: `synthetic specimen, ${preset.name} preset`,
      })),
      sections,
      generator: {
        name: GENERATOR_NAME,
        version: GENERATOR_VERSION,
        seed: options.seed,
        preset: preset.name,
        presetRevision: preset.revision,
      },
    };
    await writeAtlasFiles(tmp, { manifest, ontology: buildOntology() });
    const dir = resolve(options.out);
    if (options.overwrite) await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const megapixels = pixels / 1e6;
    return {
      dir,
      manifest,
      stats: {
        specimens: specimens.length,
        sections: sections.length,
        megapixels,
        tiles,
        seconds,
        cpuSeconds,
        megapixelsPerSecond: megapixels / seconds,
      },
    };
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
