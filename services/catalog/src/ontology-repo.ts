import { asc, sql } from 'drizzle-orm';
import { CytoclipError, type OntologyRegion } from '@cytoclip/domain';
import { rows, type Db } from './db.js';
import { regions } from './schema.js';
import type { RegionNode, RegionRow } from './types.js';

/** Merges `incoming` into the stored ontology (one ontology shared by all atlases, keyed by acronym). */
export async function upsertOntology(db: Db, incoming: OntologyRegion[]): Promise<void> {
  checkUnique(incoming);
  await db.transaction(async (tx) => {
    const merged = new Map<string, RegionRow>((await listRegions(tx as unknown as Db)).map((r) => [r.acronym, r]));
    for (const r of incoming) merged.set(r.acronym, { ...fromOntology(r), path: [] });
    const paths = computePaths(merged);
    const values = [...merged.values()].map((r) => ({ ...r, path: paths.get(r.acronym)! }));
    for (let i = 0; i < values.length; i += 1000) {
      await tx
        .insert(regions)
        .values(values.slice(i, i + 1000))
        .onConflictDoUpdate({
          target: regions.acronym,
          set: {
            sourceId: sql`excluded.source_id`,
            name: sql`excluded.name`,
            parent: sql`excluded.parent`,
            description: sql`excluded.description`,
            color: sql`excluded.color`,
            sameAs: sql`excluded.same_as`,
            path: sql`excluded.path`,
          },
        });
    }
  });
}

function fromOntology(r: OntologyRegion): Omit<RegionRow, 'path'> {
  return {
    acronym: r.acronym,
    sourceId: String(r.id),
    name: r.name,
    parent: r.parent ?? null,
    description: r.description ?? '',
    color: r.color ?? '',
    sameAs: r.sameAs?.length ? r.sameAs : null,
  };
}

function checkUnique(incoming: OntologyRegion[]): void {
  const seen = new Set<string>();
  for (const r of incoming) {
    if (typeof r.acronym !== 'string' || r.acronym === '')
      throw new CytoclipError('ontology_invalid', 'an ontology region has no acronym', { detail: { region: r } });
    if (seen.has(r.acronym))
      throw new CytoclipError('ontology_invalid', `region acronym "${r.acronym}" appears twice`, {
        detail: { acronym: r.acronym },
      });
    seen.add(r.acronym);
  }
}

/**
 * Root-first ancestor paths, ending with the region; an unknown parent or a cycle is a clear error. A region mapped to
 * platform regions (`sameAs`) has their paths first, then its own ancestors': `dharani:CP-FCTx` reads
 * [Br, Tel, Pal, CWall, CP, dharani:Br, …, dharani:CP-FCTx], so a filter on CP (which matches points whose path holds
 * it) finds it, and one on `dharani:CTX` too.
 */
export function computePaths(
  byAcronym: Map<string, Pick<RegionRow, 'acronym' | 'parent' | 'sameAs'>>,
): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  const resolve = (acronym: string, visiting: Set<string>): string[] => {
    const known = paths.get(acronym);
    if (known) return known;
    const region = byAcronym.get(acronym)!;
    if (visiting.has(acronym))
      throw new CytoclipError('ontology_invalid', `the ontology has a cycle through "${acronym}"`, {
        detail: { acronym },
      });
    visiting.add(acronym);
    let path = [acronym];
    if (region.parent !== null) {
      if (!byAcronym.has(region.parent))
        throw new CytoclipError('ontology_invalid', `region "${acronym}" names an unknown parent "${region.parent}"`, {
          detail: { acronym, parent: region.parent },
        });
      path = [...resolve(region.parent, visiting), acronym];
    }
    const same = (region.sameAs ?? []).map((other) => {
      if (!byAcronym.has(other))
        throw new CytoclipError('ontology_invalid', `region "${acronym}" is the same as an unknown region "${other}"`, {
          detail: { acronym, sameAs: other },
        });
      return resolve(other, visiting);
    });
    if (same.length) path = [...new Set([...same.flat(), ...path])];
    paths.set(acronym, path);
    return path;
  };
  for (const acronym of byAcronym.keys()) resolve(acronym, new Set());
  return paths;
}

export async function listRegions(db: Db): Promise<RegionRow[]> {
  return db.select().from(regions).orderBy(asc(regions.path));
}

export async function regionTree(db: Db): Promise<RegionNode[]> {
  const nodes = new Map<string, RegionNode>((await listRegions(db)).map((r) => [r.acronym, { ...r, children: [] }]));
  const roots: RegionNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parent === null ? undefined : nodes.get(node.parent);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export async function descendants(db: Db, acronyms: string[]): Promise<string[]> {
  if (acronyms.length === 0) return [];
  const wanted = [...new Set(acronyms)];
  const known = await rows<{ acronym: string }>(
    db,
    sql`SELECT acronym FROM regions WHERE acronym = ANY(${sql.param(wanted)}::text[])`,
  );
  const missing = wanted.filter((a) => !known.some((k) => k.acronym === a));
  if (missing.length > 0)
    throw new CytoclipError('unknown_region', `unknown region${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
      detail: { regions: missing },
    });
  const found = await rows<{ acronym: string }>(
    db,
    sql`SELECT acronym FROM regions WHERE path && ${sql.param(wanted)}::text[] ORDER BY path`,
  );
  return found.map((r) => r.acronym);
}
