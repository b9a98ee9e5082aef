import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The package graph of a workspace, read from its files, and the rules the architecture test holds it to. Kept apart
// from the test so the test can run the same rules on a planted workspace and see them fail.

/**
 * The layer picture: each package may use packages of lower layers only (domain → slides, catalog, vectors → model,
 * atlas, query → ingest → apps); nothing upward, nothing sideways but what SIDEWAYS allows.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['@cytoclip/domain'],
  ['@cytoclip/slides', '@cytoclip/catalog', '@cytoclip/vectors'],
  ['@cytoclip/model', '@cytoclip/atlas', '@cytoclip/query'],
  ['@cytoclip/ingest'],
  ['@cytoclip/cli', '@cytoclip/web'],
];
/** Same-layer uses the picture allows: the CLI serves the built web app. */
export const SIDEWAYS: ReadonlySet<string> = new Set(['@cytoclip/cli -> @cytoclip/web']);

export interface Pkg {
  dir: string;
  name: string;
  /** Sibling packages in package.json `dependencies`. */
  deps: string[];
  references: string[];
  /** Subpaths its package.json `exports` declares besides `.` (e.g. `./types`): public faces too. */
  subpaths: string[];
}

/** A package's sibling dependencies as declared, and as its production code (not its tests) imports them. */
export interface GraphNode {
  name: string;
  declared: string[];
  imported: string[];
}

export function workspacePackages(root: string): Pkg[] {
  const pkgs: Pkg[] = [];
  for (const group of ['services', 'apps']) {
    if (!existsSync(join(root, group))) continue;
    for (const entry of readdirSync(join(root, group))) {
      const dir = join(root, group, entry);
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

export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (['node_modules', 'dist', 'fixture-model', 'public'].includes(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

export function isTestFile(file: string): boolean {
  return /\.test\.tsx?$/.test(file) || file.includes('/test/');
}

export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // A statement may span lines (`import type {\n  A,\n  B,\n} from '…'`): no quote or semicolon before its `from`.
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  specs.push(...[...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));
  return specs;
}

/** The sibling package an import names (`@cytoclip/query/api-types` → `@cytoclip/query`), or null. */
function siblingOf(spec: string): string | null {
  return spec.startsWith('@cytoclip/') ? spec.split('/').slice(0, 2).join('/') : null;
}

export function packageGraph(pkgs: Pkg[]): GraphNode[] {
  return pkgs.map((pkg) => {
    const imported = new Set<string>();
    for (const file of sourceFiles(pkg.dir).filter((f) => !isTestFile(f))) {
      for (const spec of importsOf(file)) {
        const sibling = siblingOf(spec);
        if (sibling && sibling !== pkg.name) imported.add(sibling);
      }
    }
    return { name: pkg.name, declared: [...pkg.deps].sort(), imported: [...imported].sort() };
  });
}

export function layerOf(name: string): number {
  return LAYERS.findIndex((layer) => layer.includes(name));
}

/** Every use (declared or imported) of a package in the same or a higher layer, and every package in no layer. */
export function layerViolations(graph: GraphNode[]): string[] {
  const problems: string[] = [];
  for (const node of graph) {
    const own = layerOf(node.name);
    if (own < 0) problems.push(`${node.name} is in no layer of LAYERS`);
    for (const dep of new Set([...node.declared, ...node.imported])) {
      const theirs = layerOf(dep);
      const edge = `${node.name} -> ${dep}`;
      if (theirs > own) problems.push(`${edge}: upward (layer ${own} uses layer ${theirs})`);
      else if (theirs === own && !SIDEWAYS.has(edge)) problems.push(`${edge}: sideways (both layer ${own})`);
    }
  }
  return problems;
}

/** Sibling dependencies a package.json declares that no production file of the package imports. */
export function unusedDependencies(graph: GraphNode[]): string[] {
  return graph.flatMap((node) =>
    node.declared.filter((dep) => !node.imported.includes(dep)).map((dep) => `${node.name} declares ${dep}`),
  );
}
