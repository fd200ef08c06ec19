// The layer grid: neuron cards, as many per row as the width holds, in a row-virtualised list so
// only the rows in view (plus one either side) are in the DOM; the pages under them are fetched as
// they scroll into view.
import { useCallback, useLayoutEffect, useRef, useState } from 'react';
import type { NeuronRow } from '../contract.js';
import type { Paged } from '../paging.js';
import { VirtualList } from './VirtualList.js';
import { CARD_HEIGHT, CARD_WIDTH, NeuronCard } from './NeuronCard.js';

const GAP = 10;

/** Cards per row in a container `width` pixels wide (at least one). */
export function cardsPerRow(width: number): number {
  return Math.max(1, Math.floor((width - 2 * GAP) / (CARD_WIDTH + GAP)));
}

export function NeuronGrid({ layer, total, paged }: { layer: string; total: number; paged: Paged<NeuronRow> }) {
  const wrap = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver((entries) => setWidth(entries[0]?.contentRect.width ?? el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const perRow = cardsPerRow(width);
  const rows = Math.ceil(total / perRow);
  const { want } = paged;
  const onRange = useCallback((first: number, last: number) => want(first * perRow, Math.min(total, (last + 1) * perRow) - 1), [want, perRow, total]);
  return (
    <div ref={wrap} data-testid="neuron-grid-wrap">
      {width > 0 && (
        <VirtualList
          label={`neurons of ${layer}, ${perRow} per row`}
          testId="neuron-grid"
          count={rows}
          rowHeight={CARD_HEIGHT + GAP}
          height={Math.max(1, Math.min(3, rows)) * (CARD_HEIGHT + GAP) + 4}
          overscan={1}
          rowClass="grid-row"
          onRange={onRange}
          row={(r) =>
            Array.from({ length: Math.min(perRow, total - r * perRow) }, (_, k) => {
              const i = r * perRow + k;
              const n = paged.row(i);
              return n ? (
                <NeuronCard key={i} layer={layer} n={n} />
              ) : (
                <div key={i} className="neuron-card muted" style={{ width: CARD_WIDTH, height: CARD_HEIGHT }}>
                  …
                </div>
              );
            })
          }
        />
      )}
    </div>
  );
}
