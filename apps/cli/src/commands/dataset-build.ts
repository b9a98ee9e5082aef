import { CytoclipError, type Variant } from '@cytoclip/domain';
import { buildDataset } from '@cytoclip/atlas';
import { output, stringOption, type Command, type CommandArgs } from '../command.js';

function positiveNumber(args: CommandArgs, name: string): number | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new CytoclipError('invalid_argument', `--${name} must be a positive number, got "${value}"`);
  return n;
}

function fraction(args: CommandArgs, name: string): number | undefined {
  const n = positiveNumber(args, name);
  if (n !== undefined && n > 1) throw new CytoclipError('invalid_argument', `--${name} must be at most 1, got ${n}`);
  return n;
}

function weekList(args: CommandArgs): number[] | undefined {
  const value = stringOption(args, 'held-out-weeks');
  if (value === undefined) return undefined;
  const list = value === '' ? [] : value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n)))
    throw new CytoclipError('invalid_argument', `--held-out-weeks must be comma-separated numbers, got "${value}"`);
  return list;
}

export const datasetBuildCommand: Command = {
  path: 'dataset build',
  summary: 'turn an atlas into a training dataset of tiles or whole-region crops with captions',
  usage: '--atlas <folder> --variant tile|region --out <folder> [options]',
  options: {
    atlas: { type: 'string', value: 'DIR', description: 'the atlas folder (atlas.json) to cut (required)' },
    variant: { type: 'string', value: 'tile|region', description: 'tiles or whole-region crops (required)' },
    out: { type: 'string', value: 'DIR', description: 'the dataset folder to write (required)' },
    size: { type: 'string', value: 'PX', description: 'image edge in pixels (default 224)' },
    mpp: { type: 'string', value: 'UM', description: 'tile grid in µm per pixel (tile variant; default 1.0)' },
    'max-per-region': { type: 'string', value: 'N', description: 'at most N items per region (a stable draw)' },
    'held-out-weeks': {
      type: 'string',
      value: 'LIST',
      description: 'gestational weeks held out as test (default 16,21,30; empty: none)',
    },
    'min-region-share': {
      type: 'string',
      value: 'F',
      description: "tiles: least share of a tile's tissue its region must cover (default 0.5)",
    },
    'min-tissue': { type: 'string', value: 'F', description: 'tiles: least tissue fraction of a tile (default 0.5)' },
    force: { type: 'boolean', default: false, description: 'replace an existing dataset folder' },
  },
  async run(args) {
    const atlasDir = stringOption(args, 'atlas');
    const variant = stringOption(args, 'variant');
    const out = stringOption(args, 'out');
    if (!atlasDir || !out) throw new CytoclipError('invalid_argument', '--atlas and --out are required');
    if (variant !== 'tile' && variant !== 'region')
      throw new CytoclipError('invalid_argument', '--variant must be tile or region');
    const size = positiveNumber(args, 'size');
    const mpp = positiveNumber(args, 'mpp');
    const maxPerRegion = positiveNumber(args, 'max-per-region');
    const heldOutWeeks = weekList(args);
    const minRegionShare = fraction(args, 'min-region-share');
    const minTissue = fraction(args, 'min-tissue');
    const result = await buildDataset({
      atlasDir,
      variant: variant as Variant,
      out,
      size,
      grid: mpp || size ? { micronsPerPixel: mpp ?? 1, size: size ?? 224 } : undefined,
      maxPerRegion,
      ...(minRegionShare !== undefined ? { minRegionShare } : {}),
      ...(minTissue !== undefined ? { minTissue } : {}),
      splits: heldOutWeeks ? { heldOutWeeks } : undefined,
      overwrite: args.values.force === true,
      onProgress: args.json
        ? undefined
        : (p) => process.stderr.write(`\r${p.done}/${p.total} sections, ${p.items} items`),
    });
    if (!args.json) process.stderr.write('\n');
    output(args, result, () => {
      const s = result.splits;
      return `${result.dir}: ${result.items} ${variant} items (train ${s.train}, val ${s.val}, test ${s.test}) over ${Object.keys(result.regions).length} regions in ${result.seconds.toFixed(1)} s`;
    });
  },
};
