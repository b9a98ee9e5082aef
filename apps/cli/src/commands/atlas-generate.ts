import { CytoclipError, isPlane, type Plane } from '@cytoclip/domain';
import { generateAtlas, PRESETS } from '@cytoclip/atlas';
import { output, stringOption, type Command, type CommandArgs } from '../command.js';

function integer(args: CommandArgs, name: string, fallback: number): number {
  const value = stringOption(args, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value))
    throw new CytoclipError('invalid_argument', `--${name} must be an integer, got "${value}"`);
  return Number(value);
}

function weeks(args: CommandArgs): number[] | undefined {
  const value = stringOption(args, 'weeks');
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n)))
    throw new CytoclipError('invalid_argument', `--weeks must be comma-separated numbers, got "${value}"`);
  return list;
}

function planes(args: CommandArgs): Plane[] | undefined {
  const value = stringOption(args, 'planes');
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim());
  for (const p of list)
    if (!isPlane(p))
      throw new CytoclipError('invalid_argument', `--planes: unknown plane "${p}" (coronal, sagittal, axial)`);
  return list as Plane[];
}

export const atlasGenerateCommand: Command = {
  path: 'atlas generate',
  summary: 'generate a synthetic fetal NISSL atlas (presets: tiny, demo, benchmark)',
  usage: '--preset tiny|demo|benchmark --out <folder> [options]',
  details: `Presets:\n${Object.values(PRESETS)
    .map((p) => `  ${p.name.padEnd(10)} ${p.description}`)
    .join('\n')}`,
  options: {
    preset: { type: 'string', value: 'NAME', description: 'tiny, demo or benchmark (required)' },
    out: { type: 'string', value: 'DIR', description: 'the atlas folder to write (required)' },
    seed: { type: 'string', value: 'N', description: 'random seed (default 1): the same seed draws the same atlas' },
    weeks: { type: 'string', value: 'LIST', description: "gestational weeks, comma-separated (default: the preset's)" },
    planes: { type: 'string', value: 'LIST', description: "planes, comma-separated (default: the preset's)" },
    force: { type: 'boolean', default: false, description: 'replace an existing atlas folder' },
    'no-nuisances': {
      type: 'boolean',
      default: false,
      description: 'clean sections: no stain variation, illumination, blur, folds, tears, bubbles, dust or JPEG',
    },
  },
  async run(args) {
    const preset = stringOption(args, 'preset');
    const out = stringOption(args, 'out');
    if (!preset) throw new CytoclipError('invalid_argument', '--preset is required (tiny, demo, benchmark)');
    if (!out) throw new CytoclipError('invalid_argument', '--out is required');
    const off = args.values['no-nuisances'] === true;
    const result = await generateAtlas({
      preset,
      out,
      seed: integer(args, 'seed', 1),
      weeks: weeks(args),
      planes: planes(args),
      overwrite: args.values.force === true,
      nuisances: off
        ? {
            stain: false,
            illumination: false,
            blur: false,
            folds: false,
            tears: false,
            bubbles: false,
            dust: false,
            jpeg: false,
          }
        : undefined,
    });
    output(args, { dir: result.dir, generator: result.manifest.generator, stats: result.stats }, () => {
      const s = result.stats;
      return `${result.dir}: ${s.specimens} specimens, ${s.sections} sections, ${s.tiles} tiles, ${s.megapixels.toFixed(1)} Mpx in ${s.seconds.toFixed(1)} s`;
    });
  },
};
