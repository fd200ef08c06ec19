import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolvePreprocessing, type ModelImageInput } from '../../src/images/index.js';
import { assertThrowsWith } from './helpers.js';

const nchw224: ModelImageInput = { name: 'input', dims: [1, 3, 224, 224], elemType: 'float32' };

describe('resolvePreprocessing', () => {
  it('fills the documented defaults for a static NCHW RGB input', () => {
    const prep = resolvePreprocessing(nchw224);
    assert.deepEqual(prep, {
      height: 224,
      width: 224,
      channels: 3,
      layout: 'NCHW',
      resize: 'shorter-crop',
      cropFraction: 0.875,
      interpolation: 'linear',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      background: [255, 255, 255],
      maxPixels: 100_000_000,
    });
    // Plain data: survives the manifest's JSON round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(prep)), prep);
  });

  it('detects NHWC and a dynamic batch dim', () => {
    const prep = resolvePreprocessing({ name: 'x', dims: ['batch', 160, 120, 3], elemType: 'float32' });
    assert.equal(prep.layout, 'NHWC');
    assert.equal(prep.height, 160);
    assert.equal(prep.width, 120);
  });

  it('uses greyscale with 0.5/0.5 statistics for a 1-channel input', () => {
    const prep = resolvePreprocessing({ name: 'x', dims: [undefined, 1, 28, 28], elemType: 'float32' });
    assert.equal(prep.channels, 1);
    assert.deepEqual(prep.mean, [0.5]);
    assert.deepEqual(prep.std, [0.5]);
  });

  it('takes the model card over the model and the overrides over the card', () => {
    const input: ModelImageInput = { name: 'x', dims: [1, 3, 'H', 'W'], elemType: 'float32' };
    const card = {
      inputSize: [96, 128] as const,
      mean: [0.5],
      std: [0.25, 0.5, 1],
      resize: 'stretch' as const,
      interpolation: 'cubic' as const,
      background: [1, 2, 3] as const,
      cropFraction: 0.5,
      notes: 'ignored',
    };
    const fromCard = resolvePreprocessing(input, card);
    assert.equal(fromCard.height, 96);
    assert.equal(fromCard.width, 128);
    assert.deepEqual(fromCard.mean, [0.5, 0.5, 0.5], 'one value is broadcast');
    assert.deepEqual(fromCard.std, [0.25, 0.5, 1]);
    assert.equal(fromCard.resize, 'stretch');
    assert.equal(fromCard.interpolation, 'cubic');
    assert.deepEqual(fromCard.background, [1, 2, 3]);
    assert.equal(fromCard.cropFraction, 0.5);

    const overridden = resolvePreprocessing(input, card, { size: 64, interpolation: 'nearest', maxPixels: 1000, cropFraction: 1 });
    assert.equal(overridden.height, 64);
    assert.equal(overridden.width, 64);
    assert.equal(overridden.interpolation, 'nearest');
    assert.equal(overridden.maxPixels, 1000);
    assert.equal(overridden.cropFraction, 1);
    assert.equal(overridden.resize, 'stretch', 'fields not overridden still come from the card');
  });

  it('lets the card set the layout when the shape is ambiguous', () => {
    // Dim 1 is 3 and dim 3 is 3: inference says NCHW, the card says NHWC.
    const input: ModelImageInput = { name: 'x', dims: [1, 3, 8, 3], elemType: 'float32' };
    assert.equal(resolvePreprocessing(input).layout, 'NCHW');
    const prep = resolvePreprocessing(input, { layout: 'NHWC' });
    assert.equal(prep.layout, 'NHWC');
    assert.equal(prep.height, 3);
    assert.equal(prep.width, 8);
  });

  it('asks for inputSize in the exact sidecar path when H/W are dynamic', () => {
    const modelPath = join('models', 'net.onnx');
    const error = assertThrowsWith(
      () => resolvePreprocessing({ name: 'pixels', dims: ['N', 3, 'height', undefined], elemType: 'float32' }, undefined, undefined, { modelPath }),
      'model',
      /dynamic image size \[N, 3, height, \?\]/,
      /--size/,
    );
    assert.ok(error.message.includes(`"inputSize": [H, W] to ${join('models', 'net.json')}`), error.message);
  });

  it('refuses a given size that contradicts static dims', () => {
    assertThrowsWith(() => resolvePreprocessing(nchw224, undefined, { size: 256 }), 'model', /256x256/, /\[1, 3, 224, 224\]/);
    assertThrowsWith(() => resolvePreprocessing(nchw224, { inputSize: [224, 200] }), 'model', /224x200/);
  });

  it('refuses integer inputs with the documented sentence', () => {
    assertThrowsWith(
      () => resolvePreprocessing({ name: 'pixel_values', dims: [1, 3, 224, 224], elemType: 'uint8' }),
      'model',
      /^integer input pixel_values \(uint8\) is not supported; export the model with a float input$/,
    );
    assertThrowsWith(() => resolvePreprocessing({ ...nchw224, elemType: 'float16' }), 'model', /input input has element type float16/);
  });

  it('refuses inputs that are not rank-4 images', () => {
    assertThrowsWith(
      () => resolvePreprocessing({ name: 'tokens', dims: [1, 77], elemType: 'float32' }),
      'model',
      /^no image-like input \(input tokens has shape \[1, 77\]\)/,
    );
    assertThrowsWith(
      () => resolvePreprocessing({ name: 'vol', dims: [1, 5, 16, 16], elemType: 'float32' }),
      'model',
      /no image-like input \(input vol has shape \[1, 5, 16, 16\]/,
    );
    assertThrowsWith(
      () => resolvePreprocessing({ name: 'vol', dims: [1, 5, 16, 16], elemType: 'float32' }, { layout: 'NCHW' }),
      'model',
      /channel dim is not 1 or 3/,
    );
  });

  it('validates overrides with one-line usage errors naming the option', () => {
    assertThrowsWith(() => resolvePreprocessing(nchw224, undefined, { cropFraction: 0 }), 'usage', /^command line: --crop-fraction must be a number in \(0, 1\]/);
    assertThrowsWith(() => resolvePreprocessing(nchw224, undefined, { std: [0.2, -1, 0.2] }), 'usage', /--std must be/);
    assertThrowsWith(() => resolvePreprocessing(nchw224, undefined, { maxPixels: 0 }), 'usage', /--max-pixels must be a positive integer/);
    assertThrowsWith(() => resolvePreprocessing(nchw224, undefined, { size: [0, 10] }), 'usage', /--size must be/);
  });

  it('refuses three statistics for a greyscale model', () => {
    assertThrowsWith(
      () => resolvePreprocessing({ name: 'x', dims: [1, 1, 28, 28], elemType: 'float32' }, { mean: [0.1, 0.2, 0.3] }, undefined, { modelPath: 'g.onnx' }),
      'input',
      /^g\.json: "mean" has 3 values but the model takes 1-channel images/,
    );
  });
});
