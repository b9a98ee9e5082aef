import { isCytoclipError } from '@cytoclip/domain';
import { parseCommandArgs, type Command } from './command.js';
import { COMMANDS } from './commands/index.js';

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  // Longest match first, so "atlas generate" wins over a hypothetical "atlas".
  const sorted = [...COMMANDS].sort((a, b) => b.path.split(' ').length - a.path.split(' ').length);
  for (const command of sorted) {
    const words = command.path.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return null;
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.length), 8);
  const lines = COMMANDS.map((c) => `  ${c.path.padEnd(width)}  ${c.summary}`);
  return ['Usage: cytoclip <command> [options] [--json]', '', 'Commands:', ...lines].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const found = findCommand(argv);
  if (!found) {
    const wanted = argv.filter((a) => !a.startsWith('-')).join(' ');
    if (argv.length > 0 && !['-h', '--help', 'help'].includes(argv[0]!))
      console.error(`cytoclip: unknown command "${wanted}"\n`);
    console.error(usage());
    return argv.length === 0 || ['-h', '--help', 'help'].includes(argv[0]!) ? 0 : 2;
  }
  try {
    const args = parseCommandArgs(found.command, found.rest);
    if (args.help) {
      console.log(found.command.usage ?? `cytoclip ${found.command.path}: ${found.command.summary}`);
      return 0;
    }
    return (await found.command.run(args)) ?? 0;
  } catch (error) {
    if (isCytoclipError(error) || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`cytoclip ${found.command.path}: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}
