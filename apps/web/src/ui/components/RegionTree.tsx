import type { RegionNode } from '../types.js';

interface Props {
  roots: RegionNode[];
  selected: string[];
  onChange(next: string[]): void;
}

function Node({
  node,
  selected,
  onToggle,
  depth,
}: {
  node: RegionNode;
  selected: string[];
  onToggle(a: string): void;
  depth: number;
}) {
  const box = (
    <label class="check" title={node.name}>
      <input type="checkbox" checked={selected.includes(node.acronym)} onChange={() => onToggle(node.acronym)} />
      <span class="swatch" style={{ background: node.color ?? '#999' }} aria-hidden="true" />
      {node.acronym} <span class="muted">{node.name}</span>
    </label>
  );
  if (node.children.length === 0) return <li>{box}</li>;
  return (
    <li>
      <details open={depth < 1}>
        <summary aria-label={`${node.name}: show subregions`}>{box}</summary>
        <ul>
          {node.children.map((child) => (
            <Node key={child.acronym} node={child} selected={selected} onToggle={onToggle} depth={depth + 1} />
          ))}
        </ul>
      </details>
    </li>
  );
}

/** The ontology as a tree; a checked region also matches its descendants (the API expands them). */
export function RegionTree({ roots, selected, onChange }: Props) {
  if (roots.length === 0) return null;
  const onToggle = (acronym: string) =>
    onChange(selected.includes(acronym) ? selected.filter((a) => a !== acronym) : [...selected, acronym]);
  return (
    <fieldset class="region-tree">
      <legend>Regions</legend>
      <ul>
        {roots.map((node) => (
          <Node key={node.acronym} node={node} selected={selected} onToggle={onToggle} depth={0} />
        ))}
      </ul>
    </fieldset>
  );
}
