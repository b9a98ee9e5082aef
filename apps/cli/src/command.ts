import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** One CLI command: `path` is its words ("atlas generate"), `options` node:util parseArgs options. */
export interface Command {
  path: string;
  summary: string;
  usage?: string;
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
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export function parseCommandArgs(command: Command, argv: string[]): CommandArgs & { help: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, ...command.options },
    allowPositionals: true,
    strict: true,
  });
  return { values, positionals, json: values.json === true, help: values.help === true };
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
