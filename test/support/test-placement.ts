import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { importsOf } from './architecture.js';

// The one test-placement rule, checked (README, Tests): where a test file sits says what it needs.
//  - beside the module it tests, in a package's src/: a unit test, running on no real backend;
//  - in a package's test/: suites on real parts (PGlite or PostgreSQL, ONNX models, Chromium, Qdrant, other processes,
//    the shared store contract, the whole CLI or stack) and any other test the package keeps there;
//  - in the top-level test/: what spans packages (the architecture, the end-to-end suites).
// Nowhere else: vitest.config.ts looks only in these places, so a test elsewhere would never run.

/** Imports that mean a real backend, each with what it stands for. */
export const REAL_BACKENDS: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /(^|\/)test\/support(\/|$)/, what: "the repo's test support (real stacks, PostgreSQL, the tiny atlas)" },
  { pattern: /^node:child_process$/, what: 'other processes' },
  { pattern: /^@electric-sql\/pglite/, what: 'PGlite' },
  { pattern: /^pg$/, what: 'PostgreSQL' },
  { pattern: /^playwright-core$/, what: 'Chromium' },
  { pattern: /^onnxruntime-node$/, what: 'ONNX models' },
  { pattern: /\/testing\/[\w-]*contract(\.js)?$/, what: 'a shared store contract suite' },
  { pattern: /^\.\.?\/(\.\.\/)*main\.js$/, what: "the CLI's whole program" },
];

const TEST_FILE = /\.test\.tsx?$/;
const SKIPPED = new Set(['node_modules', 'dist']);
/** Top-level folders with no code: DATA_DIR's default and the model packages. */
const DATA_FOLDERS = new Set(['data', 'models']);

function testFiles(dir: string, top = false): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIPPED.has(entry) || entry.startsWith('.') || (top && DATA_FOLDERS.has(entry))) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (TEST_FILE.test(entry)) out.push(path);
  }
  return out;
}

/** `src`, `test` or null: which of a package's folders holds `rel` (a path from the repo root), if any. */
function packageFolder(rel: string): 'src' | 'test' | null {
  const [group, pkg, folder] = rel.split('/');
  if ((group !== 'services' && group !== 'apps') || !pkg || (folder !== 'src' && folder !== 'test')) return null;
  return folder;
}

/** Every test file of the workspace at `root` that sits where the rule forbids, with the reason. */
export function misplacedTests(root: string): string[] {
  const problems: string[] = [];
  for (const file of testFiles(root, true)) {
    const rel = relative(root, file).split(sep).join('/');
    if (rel.startsWith('test/')) continue;
    const folder = packageFolder(rel);
    if (folder === null) {
      problems.push(`${rel}: not in a package's src/ or test/, nor in test/ (vitest never runs it)`);
      continue;
    }
    if (folder === 'test') continue;
    const backends = importsOf(file).flatMap((spec) =>
      REAL_BACKENDS.filter((b) => b.pattern.test(spec)).map((b) => `${spec} (${b.what})`),
    );
    if (backends.length)
      problems.push(
        `${rel}: a test beside the sources uses a real backend, so it belongs in test/: ${backends.join(', ')}`,
      );
  }
  return problems.sort();
}
