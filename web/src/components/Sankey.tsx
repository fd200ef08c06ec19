// A circuit as a Sankey diagram: one column per layer (d3-sankey computes the layout, React draws
// the SVG), ribbon width ∝ sensitivity. Each node links to its neuron page and shows its region of
// the query image as a thumbnail.
import { useMemo } from 'react';
import { sankey, sankeyLinkHorizontal } from 'd3-sankey';
import type { SankeyLink, SankeyNode } from '../contract.js';
import { imageUrl } from '../data.js';
import { links as routes } from '../router.js';
import { fmt } from '../format.js';

interface N extends SankeyNode {
  slot: number;
}
interface L {
  sfs: number;
  sensitivity: number;
}

export function Sankey(props: {
  nodes: readonly SankeyNode[];
  links: readonly SankeyLink[];
  layers: readonly string[];
  query?: number;
  size?: readonly [number, number];
}) {
  // Columns: the layers that hold nodes, in the query's layer order.
  const columns = useMemo(() => {
    const used = [...new Set(props.nodes.map((n) => n.column))].sort((a, b) => a - b);
    return used;
  }, [props.nodes]);
  const perColumn = Math.max(1, ...columns.map((c) => props.nodes.filter((n) => n.column === c).length));
  const width = Math.max(480, 170 * columns.length + 80);
  const height = Math.max(200, 76 * perColumn + 40);
  const graph = useMemo(() => {
    const layout = sankey<N, L>()
      .nodeId((n) => n.id)
      .nodeAlign((n) => (n as N).slot)
      .nodeSort(null)
      .nodeWidth(14)
      .nodePadding(36)
      .extent([
        [70, 12],
        [width - 50, height - 28],
      ]);
    return layout({
      nodes: props.nodes.map((n) => ({ ...n, slot: columns.indexOf(n.column) })),
      links: props.links.map((l) => ({ source: l.source, target: l.target, value: Math.max(l.value, 1e-4), sfs: l.sfs, sensitivity: l.value })),
    });
  }, [props.nodes, props.links, columns, width, height]);
  const path = sankeyLinkHorizontal<N, L>();
  const [h, w] = props.size ?? [1, 1];
  return (
    <svg className="sankey" data-testid="sankey" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="circuit Sankey diagram">
      {columns.map((column) => {
        const node = graph.nodes.find((n) => n.column === column);
        return (
          <text key={column} x={(node?.x0 ?? 0) + 7} y={height - 8} textAnchor="middle" className="sankey-column">
            {props.layers[column] ?? node?.layer}
          </text>
        );
      })}
      <g fill="none">
        {graph.links.map((l, i) => (
          <path key={i} d={path(l) ?? undefined} className="sankey-link" data-testid="sankey-link" strokeWidth={Math.max(1, l.width ?? 1)}>
            <title>{`sensitivity ${fmt(l.sensitivity)}, semantic flow ${fmt(l.sfs)}`}</title>
          </path>
        ))}
      </g>
      {graph.nodes.map((n) => {
        const x0 = n.x0 ?? 0;
        const y0 = n.y0 ?? 0;
        const nh = Math.max(4, (n.y1 ?? 0) - y0);
        const r = n.region;
        return (
          <a key={n.id} href={routes.neuron(n.layer, n.channel)} data-testid="sankey-node" aria-label={`neuron ${n.layer} #${n.channel}`}>
            <title>{`${n.layer} #${n.channel}, activation ${fmt(n.act)}${typeof n.support === 'number' ? `, support ${fmt(n.support)} (logit drop zeroed alone)` : ''}${n.root ? ' (root)' : ''}`}</title>
            {props.query !== undefined && props.size && r.width > 0 && r.height > 0 && (
              <svg x={x0 - 50} y={y0 + nh / 2 - 22} width={44} height={44} viewBox={`${r.x} ${r.y} ${r.width} ${r.height}`} preserveAspectRatio="xMidYMid slice">
                <image href={imageUrl(props.query)} x={0} y={0} width={w} height={h} preserveAspectRatio="none" />
              </svg>
            )}
            <rect x={x0} y={y0} width={(n.x1 ?? 0) - x0} height={nh} className="sankey-node" style={n.root ? { fill: '#e4572e' } : undefined} />
            <text x={x0 + 18} y={y0 + nh / 2} dominantBaseline="middle" className="sankey-label">
              #{n.channel}
            </text>
          </a>
        );
      })}
    </svg>
  );
}
