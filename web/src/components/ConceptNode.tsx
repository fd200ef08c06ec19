// One cluster of the concept tree: caption, level, group size vs chance (or "no shared neurons"); expanding shows example
// images, difference neurons (links to neuron pages), the difference description and the children.
import type { ConceptCluster } from '../contract.js';
import { links } from '../router.js';
import { ImageBox } from './ImageBox.js';
import { groupSummary } from '../../../src/concepts/summary.js';

export interface TreeState {
  byId: Map<string, ConceptCluster>;
  layer: string;
  expanded: Set<string>;
  toggle: (id: string) => void;
  /** Ids to show (all when undefined): matches of the search and their ancestors. */
  visible?: Set<string>;
  matches?: Set<string>;
  focus?: string;
}

export function ConceptNode({ id, tree }: { id: string; tree: TreeState }) {
  const c = tree.byId.get(id);
  if (!c) return null;
  const open = tree.expanded.has(id);
  const children = c.children.filter((k) => !tree.visible || tree.visible.has(k));
  const examples = [c.medoid, ...c.images.filter((i) => i !== c.medoid)].slice(0, 6);
  return (
    <li data-testid="concept-node" data-level={c.level} data-id={c.id} id={`cluster-${c.id}`}>
      <div className="node-head">
        <button type="button" className="toggle" aria-expanded={open} aria-label={`${open ? 'collapse' : 'expand'} ${c.caption}`} onClick={() => tree.toggle(id)} data-testid="concept-toggle">
          {open ? '−' : '+'}
        </button>
        <span data-testid="concept-caption" className={tree.focus === id ? 'focus' : undefined}>
          {tree.matches?.has(id) ? <mark>{c.caption}</mark> : c.caption}
        </span>
        <span className="muted">
          L{c.level} · {c.images.length} images · {groupSummary(c)}
        </span>
      </div>
      {open && (
        <div className="node-body">
          <div className="grid">
            {examples.map((i) => (
              <a key={i} href={links.image(i)} title={`image ${i}`}>
                <ImageBox index={i} px={56} testId="concept-thumb" />
              </a>
            ))}
          </div>
          {c.keywords.length > 0 && <p className="muted">keywords: {c.keywords.join(', ')}</p>}
          {c.differenceDescription && (
            <p data-testid="concept-description">
              {c.differenceDescription} <span className="muted">({c.differenceMethod})</span>
            </p>
          )}
          <div className="chips" aria-label="difference neurons">
            {c.differenceNeurons.length === 0 && <span className="muted">no difference neurons</span>}
            {c.differenceNeurons.slice(0, 64).map((n) => (
              <a key={n} className="chip" href={links.neuron(tree.layer, n)} data-testid="difference-neuron">
                #{n}
              </a>
            ))}
            {c.differenceNeurons.length > 64 && <span className="muted">+{c.differenceNeurons.length - 64} more</span>}
          </div>
        </div>
      )}
      {open && children.length > 0 && (
        <ul className="tree">
          {children.map((k) => (
            <ConceptNode key={k} id={k} tree={tree} />
          ))}
        </ul>
      )}
    </li>
  );
}
