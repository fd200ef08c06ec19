// A vega-lite chart rendered as SVG through vega-embed (no action menu).
import { useEffect, useRef, useState } from 'react';
import embed, { type VisualizationSpec } from 'vega-embed';
import { ErrorBanner } from './Status.js';

export function VegaChart({ spec, testId, label }: { spec: VisualizationSpec; testId?: string; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    let finalize: (() => void) | undefined;
    let cancelled = false;
    embed(element, spec, { actions: false, renderer: 'svg' })
      .then((result) => {
        if (cancelled) result.finalize();
        else finalize = () => result.finalize();
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e);
      });
    return () => {
      cancelled = true;
      finalize?.();
    };
  }, [spec]);
  return (
    <figure className="chart" aria-label={label}>
      {error !== undefined && <ErrorBanner error={error} />}
      <div ref={ref} data-testid={testId} />
    </figure>
  );
}
