import type { RegionNode } from './types.js';

/**
 * The regions a search of the tree keeps: those whose acronym or name holds every word of the query (any case), and
 * their ancestors, so each match is shown where it sits in the ontology.
 */
export function matchingRegions(roots: RegionNode[], query: string): Set<string> {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const keep = new Set<string>();
  const walk = (node: RegionNode, ancestors: string[]): void => {
    const text = `${node.acronym} ${node.name}`.toLowerCase();
    if (words.every((w) => text.includes(w))) for (const a of [...ancestors, node.acronym]) keep.add(a);
    for (const child of node.children) walk(child, [...ancestors, node.acronym]);
  };
  for (const root of roots) walk(root, []);
  return keep;
}
