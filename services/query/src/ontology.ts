import type { OntologyRegion } from '@cytoclip/domain';

export interface RegionNode {
  acronym: string;
  name: string;
  color: string;
  description: string;
  children: RegionNode[];
}

/** The ontology indexed for the questions the API asks: paths, descendants, the tree. */
export class OntologyIndex {
  private readonly byAcronym = new Map<string, OntologyRegion>();
  private readonly children = new Map<string, string[]>();

  constructor(readonly regions: OntologyRegion[]) {
    for (const region of regions) this.byAcronym.set(region.acronym, region);
    for (const region of regions) {
      if (region.parent === null || !this.byAcronym.has(region.parent)) continue;
      const list = this.children.get(region.parent) ?? [];
      list.push(region.acronym);
      this.children.set(region.parent, list);
    }
  }

  has(acronym: string): boolean {
    return this.byAcronym.has(acronym);
  }

  get(acronym: string): OntologyRegion | undefined {
    return this.byAcronym.get(acronym);
  }

  /** Root-first acronyms down to the region; cycles in a bad ontology stop the walk. */
  path(acronym: string): string[] {
    const path: string[] = [];
    const seen = new Set<string>();
    let current = this.byAcronym.get(acronym);
    while (current && !seen.has(current.acronym)) {
      seen.add(current.acronym);
      path.unshift(current.acronym);
      current = current.parent === null ? undefined : this.byAcronym.get(current.parent);
    }
    return path.length ? path : [acronym];
  }

  tree(): RegionNode[] {
    const build = (region: OntologyRegion, seen: Set<string>): RegionNode => ({
      acronym: region.acronym,
      name: region.name,
      color: region.color,
      description: region.description,
      children: (this.children.get(region.acronym) ?? [])
        .filter((child) => !seen.has(child))
        .map((child) => build(this.byAcronym.get(child)!, new Set([...seen, child]))),
    });
    return this.regions
      .filter((r) => r.parent === null || !this.byAcronym.has(r.parent))
      .map((r) => build(r, new Set([r.acronym])));
  }
}
