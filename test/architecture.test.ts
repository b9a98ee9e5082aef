import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importsOf,
  isTestFile,
  layerViolations,
  LAYERS,
  packageGraph,
  sourceFiles,
  unusedDependencies,
  workspacePackages,
} from './support/architecture.js';
import { REPO_ROOT } from './support/shared.js';
import { misplacedTests } from './support/test-placement.js';

// The architecture the project aims for, checked: each package's public face is its index.ts, nothing reaches
// into a sibling's internals, every sibling import is a declared dependency with a tsconfig reference and every
// declared one is imported, the layers (support/architecture.ts LAYERS) are used downward only, no cycles.

const packages = workspacePackages(REPO_ROOT);
const byName = new Map(packages.map((p) => [p.name, p]));

describe('architecture', () => {
  it('finds the workspace packages', () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@cytoclip/domain', '@cytoclip/cli']));
  });

  for (const pkg of packages) {
    const label = relative(REPO_ROOT, pkg.dir);
    it(`${label}: public face is index.ts, named after its folder`, () => {
      expect(pkg.name).toBe(`@cytoclip/${label.split('/')[1]}`);
      if (label !== 'apps/web') expect(existsSync(join(pkg.dir, 'index.ts'))).toBe(true);
    });

    it(`${label}: every other face it exports is a file at its root`, () => {
      for (const subpath of pkg.subpaths)
        expect(existsSync(join(pkg.dir, `${subpath.slice(2)}.ts`)), subpath).toBe(true);
    });

    it(`${label}: imports siblings only by name, as declared dependencies with tsconfig references`, () => {
      const problems: string[] = [];
      for (const file of sourceFiles(pkg.dir)) {
        const isTest = isTestFile(file);
        for (const spec of importsOf(file)) {
          const where = `${relative(REPO_ROOT, file)} imports ${spec}`;
          if (spec.startsWith('@cytoclip/')) {
            const [scope, name, ...rest] = spec.split('/');
            const target = `${scope}/${name}`;
            const face = rest.length === 0 || byName.get(target)?.subpaths.includes(`./${rest.join('/')}`);
            if (!face) problems.push(`${where}: reaches into a sibling's internals`);
            if (target === pkg.name) continue;
            if (!byName.has(target)) problems.push(`${where}: no such package`);
            else if (!isTest && !pkg.deps.includes(target)) problems.push(`${where}: not in package.json dependencies`);
            else if (!isTest && label !== 'apps/web' && !pkg.references.includes(byName.get(target)!.dir))
              problems.push(`${where}: no tsconfig reference`);
          } else if (spec.startsWith('.')) {
            const target = resolve(dirname(file), spec);
            const inside = !relative(pkg.dir, target).startsWith('..');
            const toTestSupport = isTest && target.startsWith(join(REPO_ROOT, 'test', 'support'));
            if (!inside && !toTestSupport) problems.push(`${where}: relative import leaves the package`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('keeps @cytoclip/domain/types browser-safe: the web app bundles it, so nothing it reaches imports Node', () => {
    const seen = new Set<string>();
    const outside: string[] = [];
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
        else outside.push(`${relative(REPO_ROOT, file)} imports ${spec}`);
      }
    };
    walk(join(REPO_ROOT, 'services/domain/types.ts'));
    expect(seen.size).toBeGreaterThan(1);
    expect(outside).toEqual([]);
  });

  it('keeps @cytoclip/query/api-types type-only: the web app imports it, so it may bring no code along', () => {
    const text = readFileSync(join(REPO_ROOT, 'services/query/api-types.ts'), 'utf8');
    const statements = [...text.matchAll(/^(import|export)\b[^;]*?from\s/gm)].map((m) => m[0]);
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.filter((st) => !/^(import|export) type\b/.test(st))).toEqual([]);
  });

  const graph = packageGraph(packages);
  it('uses the layers downward only: domain → slides, catalog, vectors → model, atlas, query → ingest → apps', () => {
    expect(LAYERS.flat()).toEqual(expect.arrayContaining(packages.map((p) => p.name)));
    expect(layerViolations(graph)).toEqual([]);
  });

  it('imports every sibling package it declares (production code; tests may use any)', () => {
    expect(unusedDependencies(graph)).toEqual([]);
  });

  it('fails on a planted upward import and a planted unused dependency', () => {
    const root = mkdtempSync(join(tmpdir(), 'cytoclip-arch-'));
    try {
      const plant = (name: string, deps: string[], source: string) => {
        const dir = join(root, 'services', name);
        mkdirSync(join(dir, 'src'), { recursive: true });
        const dependencies = Object.fromEntries(deps.map((d) => [d, '0.1.0']));
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@cytoclip/${name}`, dependencies }));
        writeFileSync(join(dir, 'src', 'a.ts'), source);
        // A test may import anything: it counts neither as a use nor as a violation.
        mkdirSync(join(dir, 'test'));
        writeFileSync(join(dir, 'test', 'a.test.ts'), "import { x } from '@cytoclip/ingest';\n");
      };
      plant('domain', [], "import type { App } from '@cytoclip/query';\n");
      plant('query', ['@cytoclip/domain', '@cytoclip/slides'], "export { isPlane } from '@cytoclip/domain';\n");
      plant('slides', ['@cytoclip/domain'], "import { a } from '@cytoclip/domain/types';\n");
      const planted = packageGraph(workspacePackages(root));
      expect(layerViolations(planted)).toEqual(['@cytoclip/domain -> @cytoclip/query: upward (layer 0 uses layer 2)']);
      expect(unusedDependencies(planted)).toEqual(['@cytoclip/query declares @cytoclip/slides']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('places every test by the one rule: unit tests beside their sources, real-backend suites in test/', () => {
    expect(misplacedTests(REPO_ROOT)).toEqual([]);
    // The places the rule allows are the places vitest looks.
    const config = readFileSync(join(REPO_ROOT, 'vitest.config.ts'), 'utf8');
    for (const glob of ['services/*/src/**', 'services/*/test/**', 'apps/*/src/**', 'apps/*/test/**', 'test/**'])
      expect(config).toContain(`'${glob}/*.test.ts'`);
  });

  it('fails on a planted test beside the sources that starts a process, and one where vitest never looks', () => {
    const root = mkdtempSync(join(tmpdir(), 'cytoclip-tests-'));
    try {
      const plant = (path: string, source: string) => {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), source);
      };
      plant('services/x/src/unit.test.ts', "import { a } from './unit.js';\n");
      plant('services/x/src/racing.test.ts', "import { spawn } from 'node:child_process';\n");
      plant('services/x/test/db.test.ts', "import pg from 'pg';\n");
      plant('services/x/bench/speed.test.ts', '');
      plant('test/e2e/all.test.ts', "import { needs } from '../support/index.js';\n");
      expect(misplacedTests(root)).toEqual([
        "services/x/bench/speed.test.ts: not in a package's src/ or test/, nor in test/ (vitest never runs it)",
        'services/x/src/racing.test.ts: a test beside the sources uses a real backend, so it belongs in test/: ' +
          'node:child_process (other processes)',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('has no dependency cycles between packages', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        cycles.push([...path, name].join(' -> '));
        return;
      }
      state.set(name, 'visiting');
      for (const dep of byName.get(name)?.deps ?? []) visit(dep, [...path, name]);
      state.set(name, 'done');
    };
    for (const pkg of packages) visit(pkg.name, []);
    expect(cycles).toEqual([]);
  });
});
