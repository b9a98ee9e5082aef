import type { Command } from '../command.js';
import { atlasGenerateCommand } from './atlas-generate.js';

// Each command lives in its own file under commands/ and is listed here once.
export const COMMANDS: Command[] = [
  atlasGenerateCommand,
];
