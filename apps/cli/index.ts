export { main } from './src/main.js';
export type { Command, CommandArgs } from './src/command.js';
