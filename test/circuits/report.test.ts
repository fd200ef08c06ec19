// The circuits report: a named snapshot of a small fixed result, the Sankey layout's geometry
// (columns per layer, ribbon widths ∝ sensitivity, stacking), and the reference crops of a recorded
// tiny run (top images by activation, regions, PNG data URIs, cache).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { matchSnapshot } from '../helpers/snapshot.js';
import { NeuronCrops } from '../../src/circuits/neuron-crops.js';
import { modelView } from '../../src/maps/crops.js';
import { CircuitFinder, type CircuitQueryResult } from '../../src/circuits/discover.js';
import { renderCircuitReport, renderCommonSection, sankeyLayout } from '../../src/circuits/report.js';
import { layerFileStem } from '../../src/record/layout.js';
import { record } from '../../src/record/recorder.js';
import { readNpy } from '../../src/store/npy.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';


const box = (x: number, y: number, side: number) => ({ x, y, width: side, height: side });

const RESULT: CircuitQueryResult = {
  query: { index: 7, image: 'cats/tabby <1>.png', predicted: [{ class: 2, label: 'cat', logit: 3.5, prob: 0.8 }, { class: 0, label: 'dog', logit: 1.25, prob: 0.15 }] },
  percentile: 90,
  layers: [{ id: 'layer1.0', channels: 8 }, { id: 'layer2.0', channels: 16 }, { id: 'layer3.0', channels: 16 }],
  roots: [{ layer: 'layer1.0', channel: 1 }, { layer: 'layer1.0', channel: 4 }, { layer: 'layer2.0', channel: 9 }],
  circuits: [
    {
      id: 'layer1.0#1',
      root: { layer: 'layer1.0', channel: 1 },
      nodes: [
        { layer: 'layer1.0', channel: 1, region: box(2, 2, 8), act: 1.5 },
        { layer: 'layer2.0', channel: 3, region: box(0, 4, 10), act: 0.75 },
        { layer: 'layer2.0', channel: 9, region: box(6, 6, 10), act: 2 },
        { layer: 'layer3.0', channel: 0, region: box(0, 0, 16), act: 0.5 },
      ],
      edges: [
        { from: { layer: 'layer1.0', channel: 1 }, to: { layer: 'layer2.0', channel: 3 }, sensitivity: 0.25, sfs: 0.5 },
        { from: { layer: 'layer1.0', channel: 1 }, to: { layer: 'layer2.0', channel: 9 }, sensitivity: 0.5, sfs: 1 },
        { from: { layer: 'layer2.0', channel: 9 }, to: { layer: 'layer3.0', channel: 0 }, sensitivity: 0.125, sfs: 0.5 },
      ],
      summary: { nodes: 4, edges: 3, layers: [1, 2, 1], meanSensitivity: 0.875 / 3 },
    },
    {
      id: 'layer1.0#4',
      root: { layer: 'layer1.0', channel: 4 },
      nodes: [
        { layer: 'layer1.0', channel: 4, region: box(8, 8, 8), act: 1 },
        { layer: 'layer2.0', channel: 9, region: box(6, 6, 10), act: 2 },
      ],
      edges: [{ from: { layer: 'layer1.0', channel: 4 }, to: { layer: 'layer2.0', channel: 9 }, sensitivity: 0.3, sfs: 0.5 }],
      summary: { nodes: 2, edges: 1, layers: [1, 1, 0], meanSensitivity: 0.3 },
    },
  ],
  diagnostics: { sources: 4, edgesConsidered: 12, seconds: 0.5 },
};

const crop = (index: number, act: number) => ({ index, path: `ref/${index}.png`, act, region: box(0, 0, 8), dataUri: `data:image/png;base64,C${index}` });

test('circuit report: named snapshot of a two-circuit result', () => {
  const crops = new Map([
    ['layer1.0#1', [crop(3, 2.5), crop(5, 2)]],
    ['layer2.0#9', [crop(5, 4), { ...crop(6, 3), dataUri: undefined }]],
  ]);
  const common = renderCommonSection(
    { length: 1, nodes: [{ layer: 'layer1.0', channel: 1 }, { layer: 'layer2.0', channel: 9 }], edges: [{ from: { layer: 'layer1.0', channel: 1 }, to: { layer: 'layer2.0', channel: 9 }, sensitivity: [0.5, 0.25], sfs: [1, 0.5] }], commonEdges: 1 },
    ['img7', 'img8'],
    crops,
  );
  const html = renderCircuitReport({ title: 'circuits — img7 — tiny', result: RESULT, query: { dataUri: 'data:image/png;base64,QQQQ', width: 16, height: 16 }, crops, appendix: common });
  assert.match(html, /cats\/tabby &#60;1&#62;\.png/, 'paths are escaped');
  assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(html), 'no network references');
  assert.equal((html.match(/<svg class="sankey"/g) ?? []).length, 2, 'one Sankey per circuit');
  assert.equal((html.match(/<path class="link"/g) ?? []).length, 4, 'one ribbon per edge');
  assert.equal((html.match(/<section class="circuit"/g) ?? []).length, 2);
  assert.match(html, /<select id="circuit">/);
  assert.match(html, /Common circuit of 2 queries/);
  matchSnapshot(import.meta.dirname, 'circuit-report-tiny.html', html);
});

test('circuit report: no circuits says why', () => {
  const html = renderCircuitReport({ title: 't', result: { ...RESULT, roots: [], circuits: [] }, query: { dataUri: 'data:,', width: 4, height: 4 }, crops: new Map() });
  assert.match(html, /No circuits: the query is in no neuron’s top-1 % reference set/);
  assert.ok(!html.includes('<svg class="sankey"'));
});

test('Sankey layout: a column per layer, ribbon widths ∝ sensitivity, ends stacked in channel order', () => {
  const circuit = RESULT.circuits[0]!;
  const layout = sankeyLayout(circuit, RESULT.layers.map((l) => l.id));
  assert.deepEqual(layout.columns.map((c) => c.layer), ['layer1.0', 'layer2.0', 'layer3.0']);
  assert.ok(layout.columns[1]!.x - layout.columns[0]!.x === layout.columns[2]!.x - layout.columns[1]!.x);
  // Each ribbon: M x0,y0 C … x1,y1 L x1,y1+t C … x0,y0+t Z — its thickness is t at both ends.
  const thickness = layout.links.map((l) => {
    const n = l.path.match(/-?\d+(\.\d+)?/g)!.map(Number);
    return [n[7]! - n[1]!, n[9]! - n[7]!, n[15]! - n[1]!];
  });
  const ratio = thickness[0]![1]! / circuit.edges[0]!.sensitivity;
  thickness.forEach(([, t, t0], i) => {
    assert.ok(Math.abs(t! / circuit.edges[i]!.sensitivity - ratio) < 0.5, `ribbon ${i} ∝ sensitivity`);
    assert.ok(Math.abs(t0! - t!) < 0.2, 'same thickness at both ends');
  });
  // The root's two ribbons stack: the second starts where the first ends.
  const starts = layout.links.slice(0, 2).map((l) => Number(l.path.match(/^M[\d.]+,([\d.]+)/)![1]));
  assert.ok(Math.abs(starts[1]! - starts[0]! - thickness[0]![1]!) < 0.2);
  // Nodes ordered by channel within a column; heights cover their flows.
  const layer2 = layout.nodes.filter((n) => n.node.layer === 'layer2.0');
  assert.deepEqual(layer2.map((n) => n.node.channel), [3, 9]);
  assert.ok(layer2[0]!.y < layer2[1]!.y);
  const root = layout.nodes.find((n) => n.node.layer === 'layer1.0')!;
  assert.ok(Math.abs(root.height - 0.75 * ratio) < 0.2, 'root height = its outflow');
  assert.match(layout.links[1]!.title, /layer1\.0 · c1 → layer2\.0 · c9: sensitivity 0\.500, SFS 1\.000/);
});

test('reference crops: top images by activation, regions on them, PNG data URIs, cached per neuron', async () => {
  const ws = await makeWorkspace(tinyResNet(), 40, { broken: false });
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
  const finder = await CircuitFinder.create(run, { threads: 1, batch: 3 });
  try {
    const crops = new NeuronCrops(finder, { top: 4, size: 32 });
    const neurons = [{ layer: 'layer1.0', channel: 2 }, { layer: 'layer2.0', channel: 5 }, { layer: 'layer1.0', channel: 2 }];
    const result = await crops.forNeurons(neurons);
    assert.deepEqual([...result.keys()], ['layer1.0#2', 'layer2.0#5']);
    for (const neuron of neurons) {
      const layer = finder.run.layers.find((l) => l.id === neuron.layer)!;
      const matrix = (await readNpy(join(run, 'activations', `${layerFileStem(layer.id)}.top10.npy`))).data as Float32Array;
      const column = Array.from({ length: 40 }, (_, i) => matrix[i * layer.channels + neuron.channel]!);
      const expected = column.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 4).map(([, i]) => i);
      const list = result.get(`${neuron.layer}#${neuron.channel}`)!;
      assert.deepEqual(list.map((c) => c.index), expected, 'the top 4 by activation, T1 first');
      assert.deepEqual(list.map((c) => c.act), expected.map((i) => column[i]));
      // T1 (here 1 image) is the head of the list.
      const t1 = finder.run.reference.layers.find((r) => r.layer === neuron.layer)!.T1[neuron.channel]!;
      assert.equal(list[0]!.index, t1[0]);
      for (const c of list) {
        assert.match(c.dataUri!, /^data:image\/png;base64,/);
        const png = Buffer.from(c.dataUri!.slice(22), 'base64');
        assert.equal(png.readUInt32BE(16), 32, 'crop width');
        assert.ok(c.region.width === c.region.height && c.region.x + c.region.width <= 16 && c.region.y + c.region.height <= 16);
        assert.ok(c.path.endsWith('.png'));
      }
    }
    const again = await crops.forNeurons([neurons[1]!]);
    assert.equal(again.get('layer2.0#5'), result.get('layer2.0#5'), 'cached');
    const view = await modelView(finder.queryFile({ index: 0 }).file, finder.run.prep);
    assert.equal(view.width, 16);
    assert.equal(view.height, 16);
    assert.match(view.dataUri, /^data:image\/png;base64,/);
  } finally {
    await finder.close();
  }
});
