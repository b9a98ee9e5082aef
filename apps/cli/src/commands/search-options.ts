import { isPlane, type SearchFilter } from '@cytoclip/domain';
import { stringOption, type CommandArgs, type OptionSpec } from '../command.js';
import { UsageError } from '../errors.js';

// The options every query command shares (search, similar, classify, heatmap, eval): where, and which items.

export const API_OPTION: OptionSpec = {
  api: {
    type: 'string',
    value: 'URL',
    description: 'ask a running server (e.g. http://127.0.0.1:8080) instead of the local stores in DATA_DIR',
  },
};

export const FILTER_OPTIONS: OptionSpec = {
  week: {
    type: 'string',
    value: 'RANGE',
    description: 'gestational weeks: 18-24, 21, 18- (from 18) or -24 (up to 24)',
  },
  plane: { type: 'string', value: 'LIST', description: 'sectioning planes, comma-separated: coronal, sagittal, axial' },
  specimen: { type: 'string', value: 'LIST', description: 'specimen ids, comma-separated (e.g. S01,S02)' },
  region: {
    type: 'string',
    value: 'LIST',
    description: 'region acronyms, comma-separated; each matches the region and its descendants',
  },
  atlas: { type: 'string', value: 'LIST', description: 'atlas names, comma-separated' },
};

export const TARGET_OPTION: OptionSpec = {
  target: {
    type: 'string',
    value: 'tiles|regions',
    description: 'search tiles or whole-region images (default tiles)',
  },
};

export const MODEL_OPTION: OptionSpec = {
  model: {
    type: 'string',
    value: 'NAME@VERSION',
    description: "the model index to ask (default: the newest complete index of the target's variant)",
  },
};

function list(args: CommandArgs, name: string): string[] | undefined {
  const value = stringOption(args, name);
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

export function numberOption(args: CommandArgs, name: string): number | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}

export function integerOption(args: CommandArgs, name: string, min: number): number | undefined {
  const n = numberOption(args, name);
  if (n !== undefined && !(Number.isInteger(n) && n >= min))
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${stringOption(args, name)}"`);
  return n;
}

export function targetOption(args: CommandArgs): 'tiles' | 'regions' | undefined {
  const target = stringOption(args, 'target');
  if (target !== undefined && target !== 'tiles' && target !== 'regions')
    throw new UsageError(`--target must be tiles or regions, got "${target}"`);
  return target;
}

/** `--week 18-24`, `--week 21`, `--week 18-` or `--week -24`. */
export function parseWeeks(value: string): { gte?: number; lte?: number } {
  const m = /^\s*(\d+(?:\.\d+)?)?\s*(-)?\s*(\d+(?:\.\d+)?)?\s*$/.exec(value);
  if (!m || (!m[1] && !m[3])) throw new UsageError(`--week must look like 18-24, 21, 18- or -24, got "${value}"`);
  if (!m[2]) return { gte: Number(m[1]), lte: Number(m[1]) };
  return { ...(m[1] ? { gte: Number(m[1]) } : {}), ...(m[3] ? { lte: Number(m[3]) } : {}) };
}

export function filterFrom(args: CommandArgs): SearchFilter {
  const filter: SearchFilter = {};
  const week = stringOption(args, 'week');
  if (week !== undefined) filter.gestationalWeek = parseWeeks(week);
  const planes = list(args, 'plane');
  if (planes) {
    for (const p of planes)
      if (!isPlane(p)) throw new UsageError(`--plane: unknown plane "${p}" (coronal, sagittal, axial)`);
    filter.planes = planes as SearchFilter['planes'];
  }
  const specimens = list(args, 'specimen');
  if (specimens) filter.specimens = specimens;
  const regions = list(args, 'region');
  if (regions) filter.regions = regions;
  const atlases = list(args, 'atlas');
  if (atlases) filter.atlases = atlases;
  return filter;
}

/** Fields set only when given, so the server's defaults apply otherwise. */
export function defined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** One example of `--positive` / `--negative`, as query.positive / query.negative take it. */
export type ExampleArg = ({ text: string } | { tileId: string } | { regionImageId: string } | { image: string }) & {
  weight?: number;
};

/**
 * `--positive` / `--negative` values: `tile:ID`, `region:ID`, `@FILE` (an image, read and sent as base64) or words,
 * each with an optional `^W` weight at the end (`"granular layer^2"`, `tile:ID^0.5`).
 */
export async function exampleArg(
  value: string,
  option: string,
  readImage: (path: string) => Promise<Buffer>,
): Promise<ExampleArg> {
  const boosted = /^(.*?)\^([^^]*)$/s.exec(value);
  const body = (boosted ? boosted[1]! : value).trim();
  const weight = boosted ? Number(boosted[2]) : undefined;
  if (weight !== undefined && !(Number.isFinite(weight) && weight > 0))
    throw new UsageError(`--${option}: the weight after ^ must be a number > 0, got "${boosted![2]}"`);
  const withWeight = (example: ExampleArg): ExampleArg => (weight === undefined ? example : { ...example, weight });
  if (!body) throw new UsageError(`--${option} needs text, tile:ID, region:ID or @FILE`);
  if (body.startsWith('tile:')) return withWeight({ tileId: body.slice(5) });
  if (body.startsWith('region:')) return withWeight({ regionImageId: body.slice(7) });
  if (body.startsWith('@')) return withWeight({ image: (await readImage(body.slice(1))).toString('base64') });
  return withWeight({ text: body });
}

/** `--region-of SECTION:x,y,w,h` (level-0 pixels of the section) as query.sectionRegion. */
export function regionOfArg(value: string): { section: string; bbox: [number, number, number, number] } {
  const at = value.lastIndexOf(':');
  const numbers =
    at > 0
      ? value
          .slice(at + 1)
          .split(',')
          .map(Number)
      : [];
  if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n)))
    throw new UsageError(`--region-of must look like SECTION:x,y,width,height (level-0 px), got "${value}"`);
  return { section: value.slice(0, at), bbox: numbers as [number, number, number, number] };
}

/** Every value of a repeatable string option. */
export function listOption(args: CommandArgs, name: string): string[] {
  const value = args.values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
