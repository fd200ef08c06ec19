import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decodeImage } from '../../src/images/index.js';
import { regionModel } from '../fixtures/region-model.js';
import { openRun } from '../../src/run/open.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { classGradientSums, directionalDerivatives, positionSums } from '../../src/tcav/derivative.js';
import { Random } from '../../src/util/random.js';
import { tcavWorkspace } from './fixture.js';

test('positionSums sums each neuron over its positions in every layout', () => {
  // Two rows; 2 neurons × 3 positions. NCHW: [n, C, H, W]; channels-last for NHWC, tokens and vectors.
  const nchw = { data: Float32Array.from([1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60]), dims: [2, 2, 1, 3] };
  assert.deepEqual(Array.from(positionSums(nchw, { kind: 'feature', channels: 2 })), [6, 60, 15, 150]);
  const last = { data: Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60]), dims: [2, 3, 2] };
  assert.deepEqual(Array.from(positionSums(last, { kind: 'tokens', channels: 2 })), [6, 60, 15, 150]);
  assert.deepEqual(Array.from(positionSums({ ...last, dims: [2, 1, 3, 2] }, { kind: 'feature', layout: 'NHWC', channels: 2 })), [6, 60, 15, 150]);
  assert.deepEqual(Array.from(positionSums({ data: Float32Array.from([1, 2, 3, 4]), dims: [2, 2] }, { kind: 'vector', channels: 2 })), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(directionalDerivatives(Float64Array.from([6, 60, 15, 150]), Float64Array.from([1, -0.5]))), [-24, -60]);
});

test('the directional derivative equals a central finite difference of the logit along v (every position moved by v)', { timeout: 120_000 }, async () => {
  const { run: dir } = await tcavWorkspace();
  const run = await openRun(dir, { layers: 'all' });
  const { manifest } = run;
  const prep = manifest.preprocessing;
  const paths = [0, 5, 14, 22, 31].map((i) => run.images[i]!.path);
  const model = regionModel();
  const rng = new Random(3);
  const eps = 1e-3;
  for (const layerId of ['conv', 'relu']) {
    const layer = run.layer(layerId);
    for (const cls of [0, 1]) {
      const { logits, sums } = await classGradientSums({ model, input: manifest.model.input.name, logits: manifest.model.output, prep, root: manifest.images.root, paths, batch: 2, session: { threads: 1 } }, layer, cls);
      const v = Float64Array.from({ length: layer.channels }, () => rng.normal());
      const S = directionalDerivatives(sums, v);
      const im = await InstrumentedModel.create(model, { interventions: [layer.tensor] }, { threads: 1 });
      try {
        const size = prep.channels * prep.height * prep.width;
        const data = new Float32Array(paths.length * size);
        for (const [i, p] of paths.entries()) await decodeImage(join(manifest.images.root, p), prep, { into: data.subarray(i * size, (i + 1) * size) });
        const at = async (step: number) => {
          const patch = { data: Float32Array.from(v, (x) => x * step), dims: [1, layer.channels, 1, 1] };
          const { outputs } = await im.run({ input: { data: data.slice(), dims: [paths.length, 3, prep.height, prep.width] } }, { interventions: { [layer.tensor]: { patch } } });
          return outputs.logits!.data as Float32Array;
        };
        const [plus, minus, clean] = [await at(eps), await at(-eps), await at(0)];
        for (let i = 0; i < paths.length; i++) {
          const fd = (plus[i * 2 + cls]! - minus[i * 2 + cls]!) / (2 * eps);
          assert.ok(Math.abs(S[i]! - fd) <= 2e-3 * Math.max(1, Math.abs(fd)), `${layerId} class ${cls} image ${i}: S ${S[i]} vs finite difference ${fd}`);
          assert.ok(Math.abs(logits[i]! - clean[i * 2 + cls]!) <= 1e-6, `${layerId}: logit ${logits[i]} vs ${clean[i * 2 + cls]}`);
        }
        if (layerId === 'conv') assert.ok(new Set(Array.from(S, (s) => s.toFixed(4))).size > 1, 'pre-ReLU derivatives depend on the image');
      } finally {
        await im.close();
      }
    }
  }
});
