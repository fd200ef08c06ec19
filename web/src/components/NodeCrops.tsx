// A circuit node's evidence: the tooltip the Sankey shows on hover (name with its check, layer,
// channel, activation, flow, support with the gate) and the panel of its reference images, each
// with the node's region drawn on it and cropped out.
import type { NodeCrops, NodeReferenceImage, SankeyNode } from '../contract.js';
import { fileUrl } from '../data.js';
import { fmt } from '../format.js';
import { links } from '../router.js';
import { ImageBox } from './ImageBox.js';

const pValue = (p: number) => (p < 1e-3 ? p.toExponential(1) : fmt(p));

/** The node's name and the evidence it rests on, in words. */
export function NameCheck({ node }: { node: SankeyNode }) {
  const c = node.concept;
  if (c)
    return (
      <span data-testid="node-name-check">
        ✓ named: {c.overlap} of its {c.top} top-10 % reference images are in concept cluster {c.cluster} (hypergeometric p = {pValue(c.p)} &lt; {pValue(c.bound)})
      </span>
    );
  const l = node.neuronLabel;
  if (l?.text)
    return (
      <span data-testid="node-name-check">
        label from the neurons stage ({l.source === 'dissection' ? 'network dissection' : 'enrichment'}
        {l.evidence ? `, q = ${pValue(l.evidence.q)}` : l.score !== null ? `, score ${fmt(l.score)}` : ''})
      </span>
    );
  return (
    <span className="muted" data-testid="node-name-check">
      unnamed: no concept cluster is significantly over-represented among its top images
    </span>
  );
}

/** Whether the support gate admitted the node, or why it did not apply. */
function GateCheck({ node }: { node: SankeyNode }) {
  if (node.gated === true && typeof node.support === 'number')
    return <span className={node.support > 0 ? undefined : 'check-failed'}>{node.support > 0 ? '✓' : '✗'} support gate: zeroing it alone lowers the predicted logit by {fmt(node.support)}</span>;
  if (node.gated === false) return <span className="muted">support gate off for this layer: admitted by activation and sensitivity</span>;
  return <span className="muted">support gate not recorded</span>;
}

export function NodeTooltip({ node, x, y }: { node: SankeyNode; x: number; y: number }) {
  const name = node.concept?.caption ?? node.neuronLabel?.text ?? null;
  const crops = node.crops?.images.slice(0, 4) ?? [];
  return (
    <div className="sankey-tooltip" role="tooltip" data-testid="sankey-tooltip" style={{ left: Math.max(0, x), top: y }}>
      <div className="tip-name">{name ?? 'unnamed neuron'}</div>
      <div>
        layer <code>{node.layer}</code> · channel <strong>#{node.channel}</strong>
        {node.root ? ' · root' : ''}
      </div>
      <div>activation on the query {fmt(node.act)}</div>
      <div>
        importance: sensitivity in {fmt(node.inflow)} · out {fmt(node.outflow)}
      </div>
      <div>
        <GateCheck node={node} />
      </div>
      <div>
        <NameCheck node={node} />
      </div>
      {node.crops && crops.length > 0 && (
        <div className="tip-crops">
          {crops.map((img, i) => (
            <Crop key={i} crops={node.crops!} image={img} px={48} testId="tooltip-crop" />
          ))}
        </div>
      )}
      <div className="muted">click for its reference images</div>
    </div>
  );
}

/** One crop: a PNG of its own, or a tile of the neurons stage's sprite. */
function Crop({ crops, image, px, testId }: { crops: NodeCrops; image: NodeReferenceImage; px: number; testId: string }) {
  const title = `image ${image.index} ${image.path} · activation ${fmt(image.act)}`;
  if (image.crop) return <img className="node-crop" src={fileUrl(image.crop)} width={px} height={px} alt={`region crop of ${image.path}`} title={title} data-testid={testId} />;
  if (crops.sprite && image.tile !== null)
    return (
      <span className="node-crop sprite-tile" style={{ width: px, height: px }} title={title}>
        <img src={fileUrl(crops.sprite.file)} alt={`region crop of ${image.path}`} data-testid={testId} style={{ height: px, left: -image.tile * px }} />
      </span>
    );
  return <span className="node-crop missing" title={`${title}: no crop`} style={{ width: px, height: px }} />;
}

/** The selected node's reference images: each with the node's region drawn on it, and the crop. */
export function NodeDetail({ node, size }: { node: SankeyNode; size?: readonly [number, number] }) {
  const crops = node.crops;
  return (
    <div className="panel" data-testid="node-detail">
      <p>
        <strong data-testid="node-detail-label">{node.label}</strong> · layer <code>{node.layer}</code> · <a href={links.neuron(node.layer, node.channel)}>neuron page →</a>
        <br />
        <NameCheck node={node} />
      </p>
      {!crops || crops.images.length === 0 ? (
        <p className="muted">No reference images stored for this neuron (run `npx neurolens circuits` again, or `npx neurolens neurons`, to write them).</p>
      ) : (
        <>
          <div className="grid" data-testid="node-references">
            {crops.images.map((img, i) => (
              <figure key={i} className="reference">
                <ImageBox index={img.index} size={size} boxes={img.region ? [img.region] : []} px={96} alt={`reference ${i + 1}: ${img.path}`} testId="node-reference-img" />
                <Crop crops={crops} image={img} px={96} testId="node-crop" />
                <figcaption className="muted">act {fmt(img.act)}</figcaption>
              </figure>
            ))}
          </div>
          <p className="muted" data-testid="node-crops-source">
            {crops.source === 'circuits'
              ? 'The circuit report’s pictures: the neuron’s top reference images under top10 pooling (its T1 first), the neuron’s region drawn on each and cropped out.'
              : `No circuit crops in this run (written by \`neurolens circuits\` from this version on): the neurons stage’s exemplars instead — the neuron’s top images under ${crops.pooling} pooling, its region drawn on each and cropped out.`}
          </p>
        </>
      )}
    </div>
  );
}
