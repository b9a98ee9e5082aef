import type { Command } from '../command.js';
import { atlasGenerateCommand } from './atlas-generate.js';
import { datasetBuildCommand } from './dataset-build.js';
import { evalCommands } from './eval.js';
import { atlasListCommand, atlasRmCommand, modelsListCommand } from './admin.js';
import { atlasInitCommand } from './atlas-init.js';
import { atlasImportDharaniCommand } from '../atlas-import.js';
import { classifyCommand, heatmapCommand } from './analysis.js';
import { annotateCommand } from './annotate.js';
import { ingestCommand } from './ingest.js';
import { reindexCommand } from './reindex.js';
import { compactCommand } from './compact.js';
import { searchCommand, similarCommand } from './search.js';
import { serveCommand } from './serve.js';
import { startCommand } from './start.js';

// Each command lives in its own file under commands/ and is listed here once (`cytoclip --help` shows this order).
export const COMMANDS: Command[] = [
  startCommand,
  serveCommand,
  searchCommand,
  similarCommand,
  classifyCommand,
  heatmapCommand,
  annotateCommand,
  ingestCommand,
  reindexCommand,
  compactCommand,
  atlasGenerateCommand,
  atlasInitCommand,
  atlasImportDharaniCommand,
  atlasListCommand,
  atlasRmCommand,
  datasetBuildCommand,
  ...evalCommands,
  modelsListCommand,
];
