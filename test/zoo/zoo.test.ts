// The architecture zoo: one tiny graph per family's structural pattern (residual, plain, dense
// concat, depthwise + squeeze-excite inverted residual, inception branches, channels-last +
// LayerNorm, windowed attention, class-token ViT), each run through inspect → record → circuits →
// attribute as a user would. Defaults are the family's block outputs, CNN defaults lie on every
// path to the logits, the run records them (layout included), circuits score edges between them,
// and score-cam maps every image.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runAttribution } from '../../src/attribution/index.js';
import { CircuitFinder } from '../../src/circuits/discover.js';
import { catalogueModel } from '../../src/onnx/catalogue/index.js';
import { analyseGraph } from '../../src/onnx/catalogue/domains.js';
import { outputDominators } from '../../src/onnx/catalogue/dominators.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { record } from '../../src/record/recorder.js';
import { readNpy } from '../../src/store/npy.js';
import { tinyConvNext, tinyDenseNet, tinyInception, tinyMobileNet, tinySwin } from '../fixtures/arch-models.js';
import { tinyPlainCnn, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';
import { runManifest } from '../run/helpers.js';

// As many images as test/circuits uses, so T1 sets are not single images.
const IMAGES = 120;

const ZOO: { family: string; model: () => ModelProto; defaults: string[] }[] = [
  { family: 'residual (ResNet)', model: tinyResNet, defaults: ['layer1.0', 'layer2.0'] },
  { family: 'plain (VGG)', model: tinyPlainCnn, defaults: ['features.3', 'features.6'] },
  { family: 'dense concat (DenseNet)', model: tinyDenseNet, defaults: ['features.denseblock1', 'features.denseblock2'] },
  { family: 'depthwise + squeeze-excite inverted residual (MobileNetV3, EfficientNet)', model: tinyMobileNet, defaults: ['features.1', 'features.3'] },
  { family: 'inception branches (Inception-v3)', model: tinyInception, defaults: ['Mixed_5b', 'Mixed_6a'] },
  { family: 'channels-last + LayerNorm (ConvNeXt)', model: tinyConvNext, defaults: ['features.1.0', 'features.1.1'] },
  { family: 'windowed attention, channels-last stages (Swin)', model: tinySwin, defaults: ['features.1.0', 'features.1.1'] },
  { family: 'class-token ViT', model: tinyVit, defaults: ['blocks.0.mlp.act', 'blocks.1.mlp.act'] },
];

for (const { family, model: build, defaults } of ZOO) {
  test(`${family}: inspect → record → circuits → attribute`, async () => {
    const model = build();
    const summary = await catalogueModel(model);
    const chosen = summary.layers.filter((l) => l.isDefault);
    assert.deepEqual(chosen.map((l) => l.id), defaults, 'default layers');
    assert.deepEqual(summary.notes, [], 'no fallback rule was needed');
    const onEveryPath = outputDominators(analyseGraph(model.graph!));
    for (const layer of chosen) if (layer.kind === 'feature') assert.ok(onEveryPath.has(layer.tensor), `${layer.id} lies on every path to the logits`);

    const ws = await makeWorkspace(model, IMAGES, { broken: false });
    const run = join(ws.dir, 'run');
    await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
    const manifest = await runManifest(run);
    assert.deepEqual(manifest.layers.map((l) => [l.id, l.layout]), chosen.map((l) => [l.id, l.layout]));

    // Circuits on the recorded defaults: the first query whose roots get scored edges (S > 0 through
    // the cut between consecutive defaults); any circuit found on the way is well-formed.
    const finder = await CircuitFinder.create(run, { threads: 1 });
    let considered = 0;
    try {
      for (let index = 0; index < IMAGES && considered === 0; index++) {
        const result = await finder.find({ index });
        considered += result.diagnostics.edgesConsidered;
        for (const edge of result.circuits.flatMap((c) => c.edges)) assert.ok(edge.sensitivity > 0 && edge.sensitivity <= 1, `edge sensitivity ${edge.sensitivity}`);
      }
    } finally {
      await finder.close();
    }
    assert.ok(considered > 0, 'some query has a root with scored edges to the next layer');

    const out = join(ws.dir, 'attribution');
    const result = await runAttribution({ model: ws.model, images: ws.images, out, method: 'score-cam', limit: 2, threads: 1 });
    assert.equal(result.computed, 2);
    const maps = result.files.filter((f) => f.endsWith('.npy'));
    assert.equal(maps.length, 2);
    for (const file of maps) {
      const path = existsSync(file) ? file : join(out, file);
      const map = await readNpy(path);
      const values = map.data as Float32Array;
      assert.ok(values.every(Number.isFinite) && values.some((v) => v !== values[0]), `${file} is a finite, non-constant map`);
    }
  });
}
