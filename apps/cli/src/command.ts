import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';

/** One option: node:util parseArgs' fields, plus what `--help` prints for it. */
export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  multiple?: boolean;
  /** One line for `--help`; every option has one. */
  description: string;
  /** The placeholder `--help` shows for a string option's value (default VALUE). */
  value?: string;
}

export type OptionSpec = Record<string, OptionDef>;

/** One CLI command: `path` is its words ("atlas generate"); it is listed once in commands/index.ts. */
export interface Command {
  path: string;
  summary: string;
  /** What follows `cytoclip <path>` in the synopsis, e.g. `"<text>" [options]`. */
  usage?: string;
  /** Paragraphs printed after the options in `--help`. */
  details?: string;
  options?: OptionSpec;
  run(args: CommandArgs): Promise<number | void>;
}

export interface CommandArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** True when --json was given: print one machine-readable JSON document on stdout and nothing else there. */
  json: boolean;
}

export const COMMON_OPTIONS: OptionSpec = {
  json: {
    type: 'boolean',
    default: false,
    description: 'print one JSON document on stdout (errors: problem JSON on stderr)',
  },
  help: { type: 'boolean', short: 'h', default: false, description: 'print this help on stdout and exit 0' },
};

// A string option's value may start with a dash (`--week -24`, `--min-score -0.1`); parseArgs takes any token
// that starts with one for an option, so such values are glued on as `--week=-24` before it sees them.
const DASH_VALUE = /^-\.?\d/;

/** argv with `--name -24` rewritten as `--name=-24` for string options (tokens after `--` left alone). */
export function glueDashValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return [...out, ...argv.slice(i)];
    const name = token.startsWith('--') && !token.includes('=') ? token.slice(2) : null;
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && DASH_VALUE.test(next)) {
      out.push(`${token}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

function parseOptions(options: OptionSpec): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(options).map(([name, { description: _d, value: _v, ...parse }]) => [name, parse]),
  );
}

export function parseCommandArgs(command: Command, argv: string[]): CommandArgs & { help: boolean } {
  const options = { ...COMMON_OPTIONS, ...command.options };
  let parsed: { values: CommandArgs['values']; positionals: string[] };
  try {
    parsed = parseArgs({
      args: glueDashValues(argv, options),
      options: parseOptions(options),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, 'invalid_argument');
  }
  const { values, positionals } = parsed;
  return { values, positionals, json: values.json === true, help: values.help === true };
}

/** The `--help` text of a command: synopsis, summary, every option with its description, details. */
export function commandHelp(command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const labels = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}`;
    return o.type === 'string' ? `${flag} ${o.value ?? 'VALUE'}` : flag;
  });
  const width = Math.max(...labels.map((l) => l.length));
  const lines = Object.values(options).map((o, i) => {
    const fallback = o.default !== undefined && o.type === 'string' ? ` (default ${o.default})` : '';
    return `  ${labels[i]!.padEnd(width)}  ${o.description}${fallback}`;
  });
  return [
    `Usage: cytoclip ${command.path} ${command.usage ?? '[options]'}`,
    '',
    command.summary,
    '',
    'Options:',
    ...lines,
    ...(command.details ? ['', command.details] : []),
  ].join('\n');
}

/** Prints either JSON (with --json) or the human text. */
export function output(args: CommandArgs, data: unknown, human: () => string): void {
  process.stdout.write(args.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** A string option's value, or undefined. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}
