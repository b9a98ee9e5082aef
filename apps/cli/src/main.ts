import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandHelp, parseCommandArgs, type Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, exitCodeOf, problemOf, UsageError } from './errors.js';
import { repoRoot } from './platform.js';

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  // Longest match first, so "atlas generate" wins over a hypothetical "atlas".
  const sorted = [...COMMANDS].sort((a, b) => b.path.split(' ').length - a.path.split(' ').length);
  for (const command of sorted) {
    const words = command.path.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return null;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.length), 8);
  const lines = COMMANDS.map((c) => `  ${c.path.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: cytoclip <command> [options] [--json]',
    '       cytoclip <command> --help    every option of a command',
    '       cytoclip --version',
    '',
    'Commands:',
    ...lines,
    '',
    'Exit status: 0 ok, 1 runtime failure, 2 usage error (bad arguments or input), 3 the --api server failed (5xx) or',
    'could not be reached. With --json, errors are a problem JSON document on stderr.',
  ].join('\n');
}

export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(join(repoRoot(), 'apps/cli/package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** Reports an error on stderr (problem JSON under --json) and returns its exit status. */
function fail(error: unknown, command: string | null, json: boolean): number {
  const code = exitCodeOf(error);
  if (json) process.stderr.write(`${JSON.stringify(problemOf(error, command))}\n`);
  else {
    const where = command ? `cytoclip ${command}` : 'cytoclip';
    // A runtime failure is a bug or an environment problem: its stack helps whoever reads the report.
    const text = code === EXIT.runtime && error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`${where}: ${text.replace(/^\w*Error: /, '')}`);
  }
  return code;
}

/** Top-level words: help, --help, -h, --version (alone or with --json). */
function topLevel(argv: string[], json: boolean): number | null {
  const words = argv.filter((a) => a !== '--json');
  if (words.length === 0 || ['help', '--help', '-h'].includes(words[0]!)) {
    const sub = words[0] === 'help' && words.length > 1 ? findCommand(words.slice(1)) : null;
    process.stdout.write(`${sub ? commandHelp(sub.command) : overview()}\n`);
    return EXIT.ok;
  }
  if (words[0] === '--version' || words[0] === '-V') {
    const version = cliVersion();
    process.stdout.write(json ? `${JSON.stringify({ name: 'cytoclip', version })}\n` : `cytoclip ${version}\n`);
    return EXIT.ok;
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const early = topLevel(argv, json);
  if (early !== null) return early;
  const found = findCommand(argv);
  if (!found) {
    const wanted = argv.filter((a) => !a.startsWith('-')).join(' ');
    return fail(new UsageError(`unknown command "${wanted}" (cytoclip --help lists them)`), null, json);
  }
  try {
    const args = parseCommandArgs(found.command, found.rest);
    if (args.help) {
      process.stdout.write(`${commandHelp(found.command)}\n`);
      return EXIT.ok;
    }
    return (await found.command.run(args)) ?? EXIT.ok;
  } catch (error) {
    return fail(error, found.command.path, json);
  }
}
