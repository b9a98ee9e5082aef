import { useState } from 'preact/hooks';
import { matchingRegions } from '../region-search.js';
import type { RegionNode } from '../types.js';

interface Props {
  roots: RegionNode[];
  selected: string[];
  onChange(next: string[]): void;
}

interface NodeProps {
  node: RegionNode;
  selected: string[];
  onToggle(a: string): void;
  depth: number;
  /** While searching: the regions to show (matches and their ancestors); null shows all. */
  visible: Set<string> | null;
}

function Node({ node, selected, onToggle, depth, visible }: NodeProps) {
  if (visible && !visible.has(node.acronym)) return null;
  const box = (
    <label class="check" title={`${node.acronym} · ${node.name}`}>
      <input type="checkbox" checked={selected.includes(node.acronym)} onChange={() => onToggle(node.acronym)} />
      <span class="swatch" style={{ background: node.color ?? '#999' }} aria-hidden="true" />
      <span class="acronym">{node.acronym}</span> <span class="muted name">{node.name}</span>
    </label>
  );
  if (node.children.length === 0) return <li>{box}</li>;
  return (
    <li>
      {/* Keyed by whether a search is on, so the search opens every branch and clearing it restores the default. */}
      <details open={visible !== null || depth < 1} key={visible ? 'searching' : 'browsing'}>
        <summary aria-label={`${node.name}: show subregions`}>{box}</summary>
        <ul>
          {node.children.map((child) => (
            <Node
              key={child.acronym}
              node={child}
              selected={selected}
              onToggle={onToggle}
              depth={depth + 1}
              visible={visible}
            />
          ))}
        </ul>
      </details>
    </li>
  );
}

/**
 * The ontology as a tree; a checked region also matches its descendants (the API expands them). One line per region
 * (long names are cut with an ellipsis, whole in the tooltip), and a search box that keeps the matching regions and
 * their ancestors, opened.
 */
export function RegionTree({ roots, selected, onChange }: Props) {
  const [find, setFind] = useState('');
  if (roots.length === 0) return null;
  const onToggle = (acronym: string) =>
    onChange(selected.includes(acronym) ? selected.filter((a) => a !== acronym) : [...selected, acronym]);
  const visible = find.trim() ? matchingRegions(roots, find) : null;
  return (
    <fieldset class="region-tree">
      <legend>Regions</legend>
      <input
        type="search"
        class="region-find"
        placeholder="Find a region…"
        aria-label="Find a region by acronym or name"
        value={find}
        onInput={(e) => setFind((e.target as HTMLInputElement).value)}
      />
      {visible && visible.size === 0 && <p class="muted">No region matches “{find.trim()}”.</p>}
      <ul>
        {roots.map((node) => (
          <Node key={node.acronym} node={node} selected={selected} onToggle={onToggle} depth={0} visible={visible} />
        ))}
      </ul>
    </fieldset>
  );
}
