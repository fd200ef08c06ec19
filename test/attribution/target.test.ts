// Target parsing and every bad input: one-line NeurolensErrors that name the argument.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openAttributor, parseTarget, formatTarget, fillBaseline, type Attributor } from '../../src/attribution/index.js';
import { NeurolensError } from '../../src/errors.js';
import { randomImages, tinyResNet, writeTempModel } from '../fixtures/tiny-models.js';

const NAMES = ['cat', 'dog', 'heart', 'face smiling', 'neuron'];

test('parseTarget: pred, index, class name, neuron:LAYER:C (last colon splits), circuit:FILE[#K]', () => {
  assert.deepEqual(parseTarget('pred'), { kind: 'pred' });
  assert.deepEqual(parseTarget(' 7 '), { kind: 'class', cls: 7 });
  assert.deepEqual(parseTarget('heart', NAMES), { kind: 'class', cls: 2 });
  assert.deepEqual(parseTarget('face smiling', NAMES), { kind: 'class', cls: 3 });
  assert.deepEqual(parseTarget('neuron:layer3.1:17'), { kind: 'neuron', layer: 'layer3.1', channel: 17 });
  assert.deepEqual(parseTarget('neuron:/a/b:c/Relu_output_0:4'), { kind: 'neuron', layer: '/a/b:c/Relu_output_0', channel: 4 });
  assert.deepEqual(parseTarget('circuit:runs/r/circuits/img3.json'), { kind: 'circuit', file: 'runs/r/circuits/img3.json' });
  assert.deepEqual(parseTarget('circuit:q.json#2'), { kind: 'circuit', file: 'q.json', index: 2 });
  for (const spelling of ['pred', '7', 'neuron:layer3.1:17', 'circuit:q.json', 'circuit:q.json#2']) assert.equal(formatTarget(parseTarget(spelling)), spelling);
});

test('parseTarget errors are one line naming --target', () => {
  const cases: [string, readonly string[] | undefined, RegExp][] = [
    ['', undefined, /--target is empty/],
    ['neuron:layer3.1', undefined, /--target "neuron:layer3.1" must look like neuron:LAYER:C/],
    ['neuron::3', undefined, /must look like neuron:LAYER:C/],
    ['neuron:layer1:x', undefined, /must look like neuron:LAYER:C/],
    ['circuit:', undefined, /--target "circuit:" is not understood/],
    ['hart', NAMES, /--target "hart" is not a class name of the model card \(e\.g\. cat, dog, heart/],
    ['heart', undefined, /--target "heart" is not a class index, and the model card has no class names/],
    ['-1', undefined, /not a class index/],
  ];
  for (const [value, names, pattern] of cases) {
    assert.throws(() => parseTarget(value, names), (error: unknown) => {
      assert.ok(error instanceof NeurolensError);
      assert.equal(error.kind, 'usage');
      assert.ok(!error.message.includes('\n'));
      assert.match(error.message, pattern);
      return true;
    }, value);
  }
});

let attributor: Attributor;
const image = randomImages(1, 16, 5);
before(async () => {
  attributor = await openAttributor(writeTempModel(tinyResNet(), 'tiny'), { threads: 1 });
});
after(() => attributor.close());

test('bad targets, layers, options and images: one-line usage errors naming the argument', async () => {
  const cases: [Promise<unknown>, RegExp][] = [
    [attributor.bind(image, { kind: 'class', cls: 5 }), /--target class 5 is out of range; the model has classes 0 to 4/],
    [attributor.bind(image, { kind: 'neuron', layer: 'layer2.1', channel: 0 }), /--target neuron: "layer2.1" is not a layer of the model \(did you mean layer2\.0/],
    [attributor.bind(image, { kind: 'neuron', layer: 'layer2.0', channel: 16 }), /--target neuron layer2\.0:16: channel out of range; layer layer2\.0 has channels 0 to 15/],
    [attributor.bind(image.subarray(1), { kind: 'pred' }), /the image tensor holds 767 values but the model input needs 768/],
    [attributor.attribute(image, 'ablation-cam', { kind: 'pred' }, { layer: 'nope' }), /--layer: "nope" is not a layer of the model/],
    [attributor.attribute(image, 'score-cam', { kind: 'pred' }, { layer: 'fc' }), /--layer fc is a vector layer; --method score-cam needs a feature map/],
    [attributor.attribute(image, 'cam', { kind: 'neuron', layer: 'layer2.0', channel: 1 }), /--method cam explains classes only/],
    [attributor.attribute(image, 'cam', { kind: 'pred' }, { layer: 'layer1.0' }), /--layer layer1\.0 has 8 channels but the classifier head reads 16 \(from layer2\.0\)/],
    [attributor.attribute(image, 'occlusion', { kind: 'pred' }, { window: 17 }), /--window must be an integer from 1 to 16/],
    [attributor.attribute(image, 'occlusion', { kind: 'pred' }, { stride: 0 }), /--stride must be a positive integer, got 0/],
    [attributor.attribute(image, 'occlusion', { kind: 'pred' }, { fill: 'grey' as 'zero' }), /--fill must be zero, mean, blur, got "grey"/],
    [attributor.attribute(image, 'rise', { kind: 'pred' }, { keep: 0 }), /--keep must be a number in \(0, 1\]/],
    [attributor.attribute(image, 'rise', { kind: 'pred' }, { cells: 40 }), /--cells must be an integer from 1 to 16/],
    [attributor.attribute(image, 'gradcam' as 'cam', { kind: 'pred' }), /--method must be one of occlusion, rise, ablation-cam, score-cam, cam/],
    [attributor.bind(image, { kind: 'pred' }, 'prob' as 'logit'), /--quantity must be logit or probability/],
  ];
  for (const [promise, pattern] of cases) {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof NeurolensError, String(error));
      assert.ok(!error.message.includes('\n'), error.message);
      assert.match(error.message, pattern);
      return true;
    });
  }
});

test('fillBaseline: zero, per-channel mean, blur in both layouts', () => {
  const shape = { channels: 3, height: 4, width: 4, layout: 'NCHW' as const };
  const nchw = Float32Array.from({ length: 48 }, (_, i) => (i < 16 ? 1 : i < 32 ? 2 : i % 2));
  assert.deepEqual(fillBaseline(nchw, shape, 'zero'), new Float32Array(48));
  const mean = fillBaseline(nchw, shape, 'mean');
  assert.deepEqual([mean[0], mean[16], mean[32], mean[47]], [1, 2, 0.5, 0.5]);
  // NHWC: the same image interleaved gives the same baseline interleaved.
  const nhwc = new Float32Array(48);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 16; p++) nhwc[p * 3 + c] = nchw[c * 16 + p]!;
  const blurA = fillBaseline(nchw, shape, 'blur', 1);
  const blurB = fillBaseline(nhwc, { ...shape, layout: 'NHWC' }, 'blur', 1);
  for (let c = 0; c < 3; c++) for (let p = 0; p < 16; p++) assert.equal(blurB[p * 3 + c], blurA[c * 16 + p]);
  assert.ok(Math.abs(blurA[0]! - 1) < 1e-6 && Math.abs(blurA[16]! - 2) < 1e-6, 'a constant plane stays constant');
  assert.ok(blurA[32]! > 0 && blurA[32]! < 1, 'an alternating plane is smoothed');
  assert.throws(() => fillBaseline(nchw.subarray(1), shape, 'zero'), RangeError);
});
