// A circuit as a Sankey diagram: one column per layer (d3-sankey computes the layout, React draws
// the SVG), ribbon width ∝ sensitivity. The diagram takes the page's width (so labels stay at their
// font size instead of shrinking with a scaled SVG); each node carries its concept name and
// channel, its region of the query as a thumbnail, a tooltip on hover or focus, and selects the
// node (its reference crops show below the diagram) on click or Enter.
import { useEffect, useMemo, useRef, useState } from 'react';
import { sankey, sankeyLinkHorizontal } from 'd3-sankey';
import type { SankeyLink, SankeyNode } from '../contract.js';
import { imageUrl } from '../data.js';
import { fmt } from '../format.js';
import { NodeTooltip } from './NodeCrops.js';

interface N extends SankeyNode {
  slot: number;
}
interface L {
  sfs: number;
  sensitivity: number;
}

/** Room left of a column for the query-region thumbnail, and right of the last one for labels. */
const LEFT = 64;
const RIGHT = 230;
const THUMB = 44;
/** Average width of a label character at the label's font size, for fitting names between columns. */
const CHAR_PX = 7.5;

/** The width of an element, following resizes (a fallback before the first measure). */
function useWidth(fallback: number): [React.RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.max(320, Math.floor(el.clientWidth)));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

const shorten = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, Math.max(1, chars - 1))}…` : text);

export function Sankey(props: {
  nodes: readonly SankeyNode[];
  links: readonly SankeyLink[];
  layers: readonly string[];
  query?: number;
  size?: readonly [number, number];
  selected?: string;
  onSelect?: (id: string) => void;
}) {
  const [box, available] = useWidth(1100);
  const [hovered, setHovered] = useState<string | null>(null);
  // Columns: the layers that hold nodes, in the query's layer order.
  const columns = useMemo(() => [...new Set(props.nodes.map((n) => n.column))].sort((a, b) => a - b), [props.nodes]);
  const perColumn = Math.max(1, ...columns.map((c) => props.nodes.filter((n) => n.column === c).length));
  // At least 240 px between columns so labels never collide; wider circuits scroll sideways.
  const width = Math.max(available, LEFT + RIGHT + 240 * Math.max(0, columns.length - 1) + 20);
  const height = Math.max(240, 96 * perColumn + 60);
  // A name may run up to the next column's thumbnails; the full name is in the tooltip.
  const gap = columns.length > 1 ? (width - LEFT - RIGHT) / (columns.length - 1) : RIGHT;
  const chars = Math.max(8, Math.floor((Math.min(gap, RIGHT) - THUMB - 36) / CHAR_PX));
  const graph = useMemo(() => {
    const layout = sankey<N, L>()
      .nodeId((n) => n.id)
      .nodeAlign((n) => (n as N).slot)
      .nodeSort(null)
      .nodeWidth(16)
      .nodePadding(52)
      .extent([
        [LEFT, 16],
        [width - RIGHT, height - 34],
      ]);
    return layout({
      nodes: props.nodes.map((n) => ({ ...n, slot: columns.indexOf(n.column) })),
      links: props.links.map((l) => ({ source: l.source, target: l.target, value: Math.max(l.value, 1e-4), sfs: l.sfs, sensitivity: l.value })),
    });
  }, [props.nodes, props.links, columns, width, height]);
  const path = sankeyLinkHorizontal<N, L>();
  const [h, w] = props.size ?? [1, 1];
  const tip = hovered ? graph.nodes.find((n) => n.id === hovered) : undefined;
  // d3-sankey writes its own `layer` (the column depth) onto the nodes it lays out: names come from the props.
  const byId = useMemo(() => new Map(props.nodes.map((n) => [n.id, n])), [props.nodes]);
  // Below the node, or above it when the tooltip would run past the diagram's bottom.
  const tipBelow = tip ? (tip.y1 ?? 0) + 8 : 0;
  const tipY = tip && tipBelow + 250 > height ? Math.max(0, (tip.y0 ?? 0) - 250) : tipBelow;
  return (
    <div className="sankey-frame">
      <div ref={box} className="sankey-box">
        <svg className="sankey" data-testid="sankey" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="circuit Sankey diagram">
          {columns.map((column) => {
            const node = graph.nodes.find((n) => n.column === column);
            return (
              <text key={column} x={(node?.x0 ?? 0) + 8} y={height - 10} textAnchor="middle" className="sankey-column">
                {props.layers[column] ?? (node ? byId.get(node.id)?.layer : '')}
              </text>
            );
          })}
          <g fill="none">
            {graph.links.map((l, i) => {
              const s = l.source as N;
              const t = l.target as N;
              const lit = hovered !== null && (s.id === hovered || t.id === hovered);
              return (
                <path key={i} d={path(l) ?? undefined} className={`sankey-link${lit ? ' lit' : ''}`} data-testid="sankey-link" strokeWidth={Math.max(1, l.width ?? 1)}>
                  <title>{`${s.label} → ${t.label}: sensitivity ${fmt(l.sensitivity)}, semantic flow ${fmt(l.sfs)}`}</title>
                </path>
              );
            })}
          </g>
          {graph.nodes.map((n) => {
            const x0 = n.x0 ?? 0;
            const y0 = n.y0 ?? 0;
            const nh = Math.max(6, (n.y1 ?? 0) - y0);
            const r = n.region;
            const name = n.concept?.caption ?? n.neuronLabel?.text ?? null;
            const layer = byId.get(n.id)?.layer ?? '';
            return (
              <g
                key={n.id}
                className={`sankey-node-group${props.selected === n.id ? ' selected' : ''}`}
                data-testid="sankey-node"
                data-node={n.id}
                tabIndex={0}
                role="button"
                aria-label={`${n.label}, layer ${layer}`}
                onMouseEnter={() => setHovered(n.id)}
                onMouseLeave={() => setHovered((x) => (x === n.id ? null : x))}
                onFocus={() => setHovered(n.id)}
                onBlur={() => setHovered((x) => (x === n.id ? null : x))}
                onClick={() => props.onSelect?.(n.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    props.onSelect?.(n.id);
                  }
                }}
              >
                {props.query !== undefined && props.size && r.width > 0 && r.height > 0 && (
                  <svg x={x0 - THUMB - 6} y={y0 + nh / 2 - THUMB / 2} width={THUMB} height={THUMB} viewBox={`${r.x} ${r.y} ${r.width} ${r.height}`} preserveAspectRatio="xMidYMid slice">
                    <image href={imageUrl(props.query)} x={0} y={0} width={w} height={h} preserveAspectRatio="none" />
                  </svg>
                )}
                <rect x={x0} y={y0} width={(n.x1 ?? 0) - x0} height={nh} className={`sankey-node${n.root ? ' root' : ''}`} />
                <text x={x0 + 22} y={y0 + nh / 2 - (name ? 8 : 0)} dominantBaseline="middle" className="sankey-label" data-testid="sankey-label">
                  {name ? (
                    <>
                      <tspan>{shorten(name, chars)}</tspan>
                      <tspan x={x0 + 22} dy={17} className="sankey-channel">
                        #{n.channel}
                      </tspan>
                    </>
                  ) : (
                    <tspan className="sankey-channel">#{n.channel}</tspan>
                  )}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      {tip && <NodeTooltip node={byId.get(tip.id) ?? tip} x={Math.min((tip.x1 ?? 0) + 12 - (box.current?.scrollLeft ?? 0), available - 330)} y={tipY} />}
    </div>
  );
}
