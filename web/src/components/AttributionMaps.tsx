// The attribution maps as a grid: per image its original (the run's thumbnail), what the maps explain,
// and each method's overlay at a readable size with a colour bar giving the values its colours span.
import { useState } from 'react';
import { interpolateTurbo } from 'd3-scale-chromatic';
import type { AttributionGridRow, AttributionMapCell } from '../contract.js';
import { fileUrl, imageUrl } from '../data.js';
import { links } from '../router.js';
import { fmt } from '../format.js';

const TILE_SIZES = [128, 192, 256] as const;

/** The turbo scale as a CSS gradient, left = the map's min (what the overlay's colour 0 means). */
const TURBO = `linear-gradient(to right, ${Array.from({ length: 11 }, (_, i) => interpolateTurbo(i / 10)).join(', ')})`;

/** A horizontal colour bar: the overlay's colour scale with the map values at its ends and middle. */
export function ColourBar({ min, max, width }: { min: number; max: number; width: number }) {
  return (
    <div className="colour-bar" style={{ width }} data-testid="colour-bar" aria-label={`colour scale from ${fmt(min)} to ${fmt(max)}`}>
      <div className="colour-bar-strip" style={{ background: TURBO }} />
      <div className="colour-bar-ticks">
        <span data-testid="colour-bar-min">{fmt(min)}</span>
        <span>{fmt((min + max) / 2)}</span>
        <span data-testid="colour-bar-max">{fmt(max)}</span>
      </div>
    </div>
  );
}

/**
 * One overlay at `size` px high. The stored PNG carries its own small bar to the right of the
 * image; with the map's shape known the tile shows the image part only and the readable HTML bar
 * below replaces it.
 */
function Tile({ cell, size, alt }: { cell: AttributionMapCell; size: number; alt: string }) {
  if (!cell.png) return <span className="muted">—</span>;
  const known = cell.height !== null && cell.width !== null && cell.min !== null && cell.max !== null;
  const width = known ? Math.round((size * cell.width!) / cell.height!) : undefined;
  return (
    <figure className="tile">
      <div className="tile-image" style={{ width, height: size }}>
        <img src={fileUrl(cell.png)} alt={alt} data-testid="overlay-img" style={{ height: size }} />
      </div>
      {known && <ColourBar min={cell.min!} max={cell.max!} width={width!} />}
    </figure>
  );
}

export function AttributionMaps({ methods, rows }: { methods: string[]; rows: AttributionGridRow[] }) {
  const [size, setSize] = useState<number>(TILE_SIZES[1]);
  if (rows.length === 0) return <p className="muted">No overlay images in this folder.</p>;
  return (
    <>
      <p className="muted">
        Each map is spread min–max over the turbo colour scale (blue = its smallest value, red = its largest) and blended half-and-half over the image as the model sees it; the bar
        under a map gives its values. Larger = more important for the target.
      </p>
      <div className="toolbar">
        <label>
          Tile size{' '}
          <select value={size} onChange={(e) => setSize(Number(e.target.value))} data-testid="tile-size">
            {TILE_SIZES.map((s) => (
              <option key={s} value={s}>
                {s} px
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="scroll-x">
        <table className="attr-grid" data-testid="attribution-grid">
          <thead>
            <tr>
              <th>original · target</th>
              {methods.map((m) => (
                <th key={m}>{m}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.name}>
                <td className="attr-original">
                  {r.index !== null ? (
                    <a href={links.image(r.index)}>
                      <img src={imageUrl(r.index)} alt={`original ${r.image}`} data-testid="original-img" style={{ width: size, height: size }} />
                    </a>
                  ) : (
                    <span className="muted">(not an image of this run)</span>
                  )}
                  <div>
                    <code>{r.image}</code>
                  </div>
                  <div data-testid="target-label">{r.target ?? <span className="muted">target unknown</span>}</div>
                </td>
                {methods.map((m) => (
                  <td key={m}>{r.cells[m] ? <Tile cell={r.cells[m]!} size={size} alt={`${m} on ${r.image}`} /> : <span className="muted">—</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
