import { CytoclipError, isPlane, type SearchFilter } from '@cytoclip/domain';
import { output, stringOption, type Command, type CommandArgs, type OptionSpec } from '../command.js';
import { openPlatform, settingsFromEnv } from '../platform.js';

const SEARCH_OPTIONS: OptionSpec = {
  week: { type: 'string' },
  plane: { type: 'string' },
  specimen: { type: 'string' },
  region: { type: 'string' },
  atlas: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  target: { type: 'string' },
  model: { type: 'string' },
  'min-score': { type: 'string' },
  'per-section': { type: 'string' },
  api: { type: 'string' },
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

function number(args: CommandArgs, name: string): number | undefined {
  const value = stringOption(args, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CytoclipError('invalid-argument', `--${name} must be a number, got "${value}"`);
  return n;
}

/** `--week 18-24`, `--week 21`, `--week 18-` or `--week -24`. */
export function parseWeeks(value: string): { gte?: number; lte?: number } {
  const m = /^\s*(\d+(?:\.\d+)?)?\s*(-)?\s*(\d+(?:\.\d+)?)?\s*$/.exec(value);
  if (!m || (!m[1] && !m[3]))
    throw new CytoclipError('invalid-argument', `--week must look like 18-24, 21, 18- or -24, got "${value}"`);
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
      if (!isPlane(p))
        throw new CytoclipError('invalid-argument', `--plane: unknown plane "${p}" (coronal, sagittal, axial)`);
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

function requestFrom(args: CommandArgs, query: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { query, filter: filterFrom(args), limit: number(args, 'limit') ?? 10 };
  const extra = {
    offset: number(args, 'offset'),
    minScore: number(args, 'min-score'),
    perSection: number(args, 'per-section'),
    target: stringOption(args, 'target'),
    model: stringOption(args, 'model'),
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) body[k] = v;
  return body;
}

/** Runs the request against --api, or in-process over the local stores (the same app, without a socket). */
async function runSearch(args: CommandArgs, body: Record<string, unknown>): Promise<SearchAnswer> {
  const api = stringOption(args, 'api');
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  if (api) return answer(await fetch(new URL('/v1/search', api), init));
  const platform = await openPlatform(settingsFromEnv());
  try {
    return answer(await platform.api.app.request('/v1/search', init));
  } finally {
    await platform.close();
  }
}

interface SearchAnswer {
  results: {
    id: string;
    score: number;
    region: { acronym: string } | null;
    gestationalWeek: number;
    plane: string;
    specimen: string;
    section: string;
  }[];
  total: number;
  model: string;
  tookMs: number;
  unknownWords: string[];
}

async function answer(res: Response): Promise<SearchAnswer> {
  const body = (await res.json()) as SearchAnswer & { detail?: string };
  if (!res.ok)
    throw new CytoclipError('search_failed', `${res.status}: ${body.detail ?? 'search failed'}`, {
      status: res.status,
    });
  return body;
}

function table(a: SearchAnswer): string {
  const lines = a.results.map(
    (r, i) =>
      `${String(i + 1).padStart(3)}  ${r.score.toFixed(3)}  ${(r.region?.acronym ?? '-').padEnd(8)} GW ${String(r.gestationalWeek).padEnd(5)} ${r.plane.padEnd(9)} ${r.section.padEnd(16)} ${r.id}`,
  );
  const head = `${a.results.length} of ${a.total} (model ${a.model}, ${a.tookMs} ms)`;
  const unknown = a.unknownWords.length ? `\nunknown to the model: ${a.unknownWords.join(', ')}` : '';
  return [head, ...lines].join('\n') + unknown;
}

export const searchCommand: Command = {
  path: 'search',
  summary: 'search tiles by text: cytoclip search "<text>" [--week 18-24 --plane coronal --region CP]',
  usage:
    'cytoclip search "<text>" [--week 18-24] [--plane coronal] [--specimen S01] [--region CP] [--atlas name] [--limit 10]\n' +
    '                [--offset 0] [--target tiles|regions] [--model name@version] [--min-score 0.2] [--per-section 3] [--api http://host:port] [--json]',
  options: SEARCH_OPTIONS,
  async run(args) {
    const text = args.positionals.join(' ').trim();
    if (!text) throw new CytoclipError('invalid-argument', 'give the query text: cytoclip search "layered cortex"');
    const a = await runSearch(args, requestFrom(args, { text }));
    output(args, a, () => table(a));
  },
};

export const similarCommand: Command = {
  path: 'similar',
  summary: 'tiles similar to a stored tile: cytoclip similar <tile-id>',
  usage: 'cytoclip similar <tile-id> [same filters as search] [--json]',
  options: SEARCH_OPTIONS,
  async run(args) {
    const id = args.positionals[0];
    if (!id || args.positionals.length > 1)
      throw new CytoclipError('invalid-argument', 'give one tile id: cytoclip similar <tile-id>');
    const target = stringOption(args, 'target') ?? 'tiles';
    const a = await runSearch(args, requestFrom(args, target === 'regions' ? { regionImageId: id } : { tileId: id }));
    output(args, a, () => table(a));
  },
};
