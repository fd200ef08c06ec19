import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadModelCard, modelCardPath, parseModelCard } from '../../src/images/index.js';
import { assertFailsWith, assertThrowsWith, put, tempDir } from './helpers.js';

describe('modelCardPath', () => {
  it('replaces .onnx (any case) by .json and appends otherwise', () => {
    assert.equal(modelCardPath(join('models', 'foo.onnx')), join('models', 'foo.json'));
    assert.equal(modelCardPath(join('m', 'res.net.ONNX')), join('m', 'res.net.json'));
    assert.equal(modelCardPath('model'), 'model.json');
    assert.equal(modelCardPath('model.pb'), 'model.pb.json');
  });
});

describe('loadModelCard', () => {
  it('returns undefined when the model has no sidecar', async () => {
    const dir = await tempDir();
    assert.equal(await loadModelCard(join(dir, 'lonely.onnx')), undefined);
  });

  it('reads every known field and keeps extra fields untouched', async () => {
    const dir = await tempDir();
    const card = {
      name: 'tiny',
      inputSize: [96, 128],
      mean: [0.5, 0.4, 0.3],
      std: [0.2, 0.2, 0.2],
      classNames: ['cat', 'dog'],
      resize: 'stretch',
      cropFraction: 0.9,
      interpolation: 'cubic',
      layout: 'NHWC',
      background: [0, 10, 20],
      training: { epochs: 3, dataset: 'shapes' },
      accuracy: 0.91,
    };
    await put(dir, 'tiny.json', JSON.stringify(card));
    assert.deepEqual(await loadModelCard(join(dir, 'tiny.onnx')), card);
  });

  it('accepts a single number as inputSize and treats null as absent', async () => {
    const dir = await tempDir();
    await put(dir, 'sq.json', '{"inputSize": 64, "mean": null}');
    assert.deepEqual(await loadModelCard(join(dir, 'sq.onnx')), { inputSize: 64 });
  });

  it('names the file when it is not valid JSON', async () => {
    const dir = await tempDir();
    const file = await put(dir, 'bad.json', '{"inputSize": 224,,}');
    const error = await assertFailsWith(loadModelCard(join(dir, 'bad.onnx')), 'input', /not valid JSON/);
    assert.ok(error.message.includes(file), error.message);
  });

  it('names the file when the top level is not an object', async () => {
    const dir = await tempDir();
    await put(dir, 'arr.json', '[224, 224]');
    await assertFailsWith(loadModelCard(join(dir, 'arr.onnx')), 'input', /arr\.json/, /one JSON object/);
  });

  it('names the file and the field on a wrong type or range', async () => {
    const dir = await tempDir();
    const cases: [string, unknown, RegExp][] = [
      ['std', [0.2, 0, 0.2], /"std" must be 1 or 3 numbers > 0/],
      ['mean', 'imagenet', /"mean" must be/],
      ['inputSize', -224, /"inputSize" must be a positive integer/],
      ['inputSize', [224, 224, 3], /"inputSize"/],
      ['cropFraction', 1.5, /"cropFraction" must be a number in \(0, 1\]/],
      ['cropFraction', 0, /"cropFraction"/],
      ['layout', 'NCWH', /"layout" must be one of "NCHW", "NHWC", got "NCWH"/],
      ['resize', 'crop', /"resize"/],
      ['interpolation', 'bilinear', /"interpolation"/],
      ['background', [255, 255, 256], /"background" must be \[r, g, b\] with integers 0\.\.255/],
      ['classNames', ['a', 2], /"classNames" must be a list of strings/],
      ['name', 7, /"name" must be a string/],
    ];
    for (const [field, value, pattern] of cases) {
      await put(dir, 'm.json', JSON.stringify({ [field]: value }));
      const error = await assertFailsWith(loadModelCard(join(dir, 'm.onnx')), 'input', pattern);
      assert.ok(error.message.startsWith(join(dir, 'm.json')), error.message);
    }
  });

  it('parseModelCard checks an in-memory object the same way', () => {
    assertThrowsWith(() => parseModelCard({ std: [-1] }, 'card.json'), 'input', /^card\.json: "std"/);
    assert.deepEqual(parseModelCard({ std: [0.5] }, 'card.json'), { std: [0.5] });
  });
});
