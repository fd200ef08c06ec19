// A windowed list: only the rows in view are in the DOM, so thousands of neurons or images scroll
// smoothly. Rows are fixed-height; `onRange` tells the caller which rows are visible (to fetch pages).
import { useEffect, useRef, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

export function VirtualList(props: {
  count: number;
  rowHeight: number;
  height?: number;
  row: (index: number) => ReactNode;
  onRange?: (first: number, last: number) => void;
  testId?: string;
  label: string;
  /** Rows rendered beyond the visible ones (default 8; fewer for tall rows of images). */
  overscan?: number;
  /** Extra class of each row (the grid lays its cards out with it). */
  rowClass?: string;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: props.count,
    getScrollElement: () => parent.current,
    estimateSize: () => props.rowHeight,
    overscan: props.overscan ?? 8,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  const { onRange } = props;
  useEffect(() => {
    if (last >= first) onRange?.(first, last);
  }, [first, last, onRange]);
  return (
    <div ref={parent} className="virtual-list" style={{ height: props.height ?? 560 }} data-testid={props.testId} role="list" aria-label={props.label}>
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((item) => (
          <div
            key={item.key}
            role="listitem"
            className={props.rowClass ? `virtual-row ${props.rowClass}` : 'virtual-row'}
            style={{ position: 'absolute', top: 0, left: 0, right: 0, height: item.size, transform: `translateY(${item.start}px)` }}
          >
            {props.row(item.index)}
          </div>
        ))}
      </div>
    </div>
  );
}
