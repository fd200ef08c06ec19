// The neuron page's analysis sections: where the neuron looks on its exemplars (heatmaps with their
// deletion check), images across its activation distribution, the classes its ablation moves, the
// neurons it co-varies with, and its feature visualisation. Sections whose stage has not run say
// which command makes them.
import type { ActivationImage, NeuronResponse } from '../contract.js';
import { fileUrl } from '../data.js';
import { links } from '../router.js';
import { fmt } from '../format.js';
import { ImageBox } from './ImageBox.js';

const RUN_EFFECTS = 'npx neurolens neurons --run RUN --effects';

function NotComputed({ command, what }: { command: string; what: string }) {
  return (
    <p className="muted" data-testid="not-computed">
      Not computed: {what} — run <code>{command}</code>.
    </p>
  );
}

function Thumb({ image, size, caption }: { image: ActivationImage; size?: readonly [number, number]; caption: string }) {
  return (
    <a className="exemplar" href={links.image(image.index)} title={image.path}>
      <ImageBox index={image.index} size={size} alt={`${caption}: ${image.path}`} px={72} testId="distribution-img" />
      <span>{fmt(image.activation)}</span>
    </a>
  );
}

export function HeatmapSection({ n }: { n: NeuronResponse }) {
  const maps = n.effects?.heatmaps;
  const settings = n.effects?.settings.heatmaps;
  if (!maps || !settings) return <NotComputed what="heatmaps of this neuron over its top exemplars" command={RUN_EFFECTS} />;
  const passed = maps.filter((m) => m.pass).length;
  return (
    <>
      <p className="muted">
        Gradient maps (max over colour channels of |∂neuron/∂pixel|; the neuron&apos;s value is its mean over positions) on its top {settings.exemplars} exemplars by{' '}
        {settings.pooling} pooling. Check: setting the map&apos;s hottest {Math.round(settings.deletion * 100)} % of pixels to the mean colour should lower the neuron more than
        setting as many random pixels — {passed} of {maps.length} maps pass.
      </p>
      <div className="grid" data-testid="neuron-heatmaps">
        {maps.map((m) => (
          <figure key={m.png} className="exemplar">
            <a href={links.image(m.index)}>
              <img src={fileUrl(m.png)} alt={`heatmap of ${n.layer} #${n.channel} on ${m.path}`} width={160} data-testid="heatmap-img" />
            </a>
            <figcaption className={m.pass ? '' : 'check-failed'}>
              value {fmt(m.clean)}; hot pixels removed {fmt(m.hot)}, random {fmt(m.random)} {m.pass ? '✓' : '✗ map not confirmed'}
            </figcaption>
          </figure>
        ))}
      </div>
    </>
  );
}

export function DistributionSection({ n, size }: { n: NeuronResponse; size?: readonly [number, number] }) {
  const d = n.distribution;
  if (d.images === 0) return <p className="muted">No image has a finite activation.</p>;
  const ties = d.atMinimum > d.lowest.length;
  return (
    <div data-testid="neuron-distribution">
      <p className="muted">
        {n.pooling} pooling over {d.images} images. Each row: the image at that quantile and its neighbours in rank, strongest first.
      </p>
      <table>
        <tbody>
          {d.bands.map((b) => (
            <tr key={b.q} data-testid="quantile-band">
              <th>
                q{Math.round(b.q * 100)} <span className="muted">({fmt(b.value)})</span>
              </th>
              <td>
                <div className="grid">
                  {b.images.map((img) => (
                    <Thumb key={img.index} image={img} size={size} caption={`quantile ${b.q}`} />
                  ))}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Lowest images</h3>
      <div className="grid" data-testid="neuron-lowest">
        {d.lowest.map((img) => (
          <Thumb key={img.index} image={img} size={size} caption="lowest" />
        ))}
      </div>
      {ties && (
        <p className="muted" data-testid="lowest-ties">
          {d.atMinimum} images share the minimum {fmt(d.lowest[0]?.activation)} (the neuron is off on them), so these are the first of them by index, not its strongest negatives.
        </p>
      )}
    </div>
  );
}

export function AblationSection({ n }: { n: NeuronResponse }) {
  const a = n.effects?.ablation;
  const s = n.effects?.settings.ablation;
  if (!a || !s) return <NotComputed what="the classes whose logits move when this neuron is ablated" command={RUN_EFFECTS} />;
  const spread = n.effects?.layerLargest;
  const rows = [...a.up.map((e) => ({ ...e, dir: 'rises' })), ...a.down.map((e) => ({ ...e, dir: 'falls' }))];
  return (
    <div data-testid="neuron-ablation">
      <p className="muted">
        Logit change (zeroed − unchanged) of output <code>{s.output}</code>, mean over {s.images.length} images (seed {s.seed}); intervals are simultaneous {Math.round((1 - s.alpha) * 100)} % over
        all {s.classes} classes (Student t, Bonferroni). Only effects whose interval excludes 0 count as measured.
        {spread && ` Largest effect ${fmt(a.largest)} against the layer's median neuron ${fmt(spread.median)} (90th percentile ${fmt(spread.q90)}).`}
      </p>
      <table>
        <thead>
          <tr>
            <th>class</th>
            <th>logit</th>
            <th className="num">mean change</th>
            <th className="num">interval</th>
            <th>measured</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => (
            <tr key={`${e.dir}${e.class}`} data-testid="ablation-row">
              <td>{e.name ?? `class ${e.class}`}</td>
              <td>{e.dir}</td>
              <td className="num">{fmt(e.mean)}</td>
              <td className="num">
                [{fmt(e.ci[0])}, {fmt(e.ci[1])}]
              </td>
              <td>{e.significant ? 'yes' : <span className="muted">no (interval holds 0)</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CorrelationSection({ n }: { n: NeuronResponse }) {
  const c = n.correlations;
  if (c.neurons.length === 0) return <p className="muted">No other neuron varies together with this one over the run&apos;s images.</p>;
  return (
    <div data-testid="neuron-correlations">
      <p className="muted">
        Pearson r of {n.pooling}-pooled activations over {c.stride > 1 ? `every ${c.stride}th of the run's images` : 'the run\'s images'} ({c.neurons[0]?.n} images); 95 % intervals (Fisher z). Beyond chance among the {c.searched} neurons searched: |r| &gt; {fmt(c.threshold)}{' '}
        (Bonferroni).
      </p>
      <table>
        <thead>
          <tr>
            <th>neuron</th>
            <th>layer</th>
            <th className="num">r</th>
            <th className="num">interval</th>
            <th>beyond chance</th>
          </tr>
        </thead>
        <tbody>
          {c.neurons.map((x) => (
            <tr key={`${x.layer}#${x.channel}`} data-testid="correlated-row">
              <td>
                <a href={links.neuron(x.layer, x.channel)}>
                  {x.layer} #{x.channel}
                </a>
              </td>
              <td>{x.relation === 'same' ? 'same layer' : `${x.relation} layer`}</td>
              <td className="num">{fmt(x.r)}</td>
              <td className="num">
                [{fmt(x.ci[0])}, {fmt(x.ci[1])}]
              </td>
              <td>{Math.abs(x.r) > c.threshold ? 'yes' : <span className="muted">no</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function VisualizationSection({ n }: { n: NeuronResponse }) {
  const v = n.visualization;
  if (!v) return <NotComputed what="the feature visualisation" command={`npx neurolens visualize --model MODEL --run RUN --layers ${n.layer} --neurons ${n.channel}`} />;
  return (
    <div data-testid="neuron-visualization">
      <img src={fileUrl(v.image)} alt={`feature visualisation of ${n.layer} #${n.channel}`} width={160} data-testid="visualization-img" />
      <p className={v.pass ? '' : 'check-failed'}>
        Check ({v.pooling} pooling, the quantity optimised): the picture drives the neuron to {fmt(v.activation)}; its best dataset image{' '}
        <a href={links.image(v.best.index)}>{v.best.path}</a> to {fmt(v.best.activation)} —{' '}
        {v.pass ? 'at least as high ✓' : '✗ below the best image: the picture does not show what drives the neuron most'}.
      </p>
      {v.diversity && (
        <div data-testid="visualization-diversity">
          <p>
            {v.diversity.images.length + 1} images optimised together with the diversity term; mean pairwise Gram cosine {fmt(v.diversity.gramCosine)} (1 = alike).
          </p>
          {v.diversity.images.map((d) => (
            <figure key={d.image} className="inline-figure">
              <img src={fileUrl(d.image)} alt={`another facet of ${n.layer} #${n.channel}`} width={112} />
              <figcaption className={d.pass ? '' : 'check-failed'}>
                {fmt(d.activation)} {d.pass ? '✓' : '✗ below the best image'}
              </figcaption>
            </figure>
          ))}
        </div>
      )}
    </div>
  );
}
