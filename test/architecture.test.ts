import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/shared.js';

// The architecture the project aims for, checked: each package's public face is its index.ts, nothing reaches
// into a sibling's internals, every sibling import is a declared dependency with a tsconfig reference, no cycles.

interface Pkg {
  dir: string;
  name: string;
  deps: string[];
  references: string[];
  /** Subpaths its package.json `exports` declares besides `.` (e.g. `./types`): public faces too. */
  subpaths: string[];
}

function workspacePackages(): Pkg[] {
  const pkgs: Pkg[] = [];
  for (const group of ['services', 'apps']) {
    for (const entry of readdirSync(join(REPO_ROOT, group))) {
      const dir = join(REPO_ROOT, group, entry);
      const manifestPath = join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        exports?: Record<string, unknown>;
      };
      const tsconfigPath = join(dir, 'tsconfig.json');
      const tsconfig = existsSync(tsconfigPath)
        ? (JSON.parse(readFileSync(tsconfigPath, 'utf8')) as { references?: { path: string }[] })
        : {};
      pkgs.push({
        dir,
        name: manifest.name,
        deps: Object.keys(manifest.dependencies ?? {}).filter((d) => d.startsWith('@cytoclip/')),
        references: (tsconfig.references ?? []).map((r) => resolve(dir, r.path)),
        subpaths: Object.keys(manifest.exports ?? {}).filter((k) => k !== '.'),
      });
    }
  }
  return pkgs;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (['node_modules', 'dist', 'fixture-model', 'public'].includes(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"\n;]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  specs.push(...[...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));
  return specs;
}

const packages = workspacePackages();
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
        const isTest = /\.test\.tsx?$/.test(file) || file.includes('/test/');
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
