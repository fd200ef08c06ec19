// #/image/INDEX[?iv=…] — one image: predictions, a live intervention (the model run in the browser),
// its strongest neurons per layer, its concept paths.
import type { ImageResponse } from '../contract.js';
import { api, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { ImageBox } from '../components/ImageBox.js';
import { fmt } from '../format.js';
import { LivePanel } from '../components/LivePanel.js';

export function ImagePage({ index }: { index: number }) {
  usePageTitle(`Image ${index}`);
  const state = useApi<ImageResponse>(api('image', index));
  return (
    <>
      <h1>Image {index}</h1>
      <Loaded state={state} what="the image">
        {(im) => <ImageBody im={im} />}
      </Loaded>
    </>
  );
}

function ImageBody({ im }: { im: ImageResponse }) {
  return (
    <div data-testid="image-page">
      <nav className="toolbar" aria-label="neighbouring images">
        {im.index > 0 && <a href={links.image(im.index - 1)}>← #{im.index - 1}</a>}
        <a href={links.image(im.index + 1)}>#{im.index + 1} →</a>
      </nav>
      <div className="panel" style={{ display: 'flex', gap: '1.5rem', flexWrap: 'wrap' }}>
        <ImageBox index={im.index} px={192} alt={im.path} testId="image-main" />
        <div>
          <p>
            <code>{im.path}</code> · {im.width}×{im.height} · sha256 {im.sha256.slice(0, 12)}…
          </p>
          <table data-testid="predictions">
            <thead>
              <tr>
                <th>prediction</th>
                <th className="num">score</th>
              </tr>
            </thead>
            <tbody>
              {im.predictions.map((p) => (
                <tr key={p.class}>
                  <td>{p.label ?? `class ${p.class}`}</td>
                  <td className="num">{fmt(p.score)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <h2>Live intervention</h2>
      <LivePanel im={im} />

      <h2>Strongest neurons</h2>
      <table data-testid="strongest">
        <thead>
          <tr>
            <th>layer</th>
            <th>neurons (activation, {im.strongest[0]?.pooling ?? 'pooled'})</th>
          </tr>
        </thead>
        <tbody>
          {im.strongest.map((s) => (
            <tr key={s.layer}>
              <td>
                <a href={links.layer(s.layer)}>{s.layer}</a>
              </td>
              <td className="chips">
                {s.neurons.map((n) => (
                  <a key={n.channel} className="chip" href={links.neuron(s.layer, n.channel)} data-testid="strong-neuron">
                    #{n.channel} · {fmt(n.activation, 2)}
                  </a>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Concept paths</h2>
      {im.concepts.length === 0 ? (
        <p className="muted">No concept hierarchy in this run.</p>
      ) : (
        <ul data-testid="concept-paths">
          {im.concepts.map((c) => (
            <li key={c.layer}>
              <a href={links.concepts(c.layer)}>{c.layer}</a>:{' '}
              {c.path.map((p, i) => (
                <span key={p.id}>
                  {i > 0 && ' ⊂ '}
                  <a href={links.concepts(c.layer, p.id)}>{p.caption}</a>
                </span>
              ))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
