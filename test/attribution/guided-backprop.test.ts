// Guided Backprop against a hand computation on a tiny 2-ReLU MLP over a 3×2×2 input:
//   z1 = W1·x + b1, h1 = relu(z1), z2 = W2·h1 + b2, h2 = relu(z2), logits = W3·h2 + b3.
// Backward from the class row of W3: the plain rule passes dy where z > 0; the guided rule passes
// max(dy, 0) where z > 0. Both gradients the methods return must equal these, so they differ
// exactly where some active unit on the path receives a negative dy — and the test checks that this
// model has such a unit (else it could not tell the rules apart).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAttributor } from '../../src/attribution/index.js';
import { builtinRule } from '../../src/grad/rules/index.js';
import { guidedRelu } from '../../src/grad/rules/guided-relu.js';
import { GraphBuilder, floatAttr } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { Random } from '../../src/util/random.js';

const N_IN = 12;
const HIDDEN = 4;
const CLASSES = 2;

function mlp(seed: number): { path: string; w: Float32Array[]; b: Float32Array[] } {
  const random = new Random(seed);
  const shapes: [number, number][] = [[HIDDEN, N_IN], [HIDDEN, HIDDEN], [CLASSES, HIDDEN]];
  const w = shapes.map(([o, i]) => random.normalArray(o * i, 1 / Math.sqrt(i)));
  const b = shapes.map(([o]) => random.normalArray(o, 0.2));
  const g = new GraphBuilder({ name: 'mlp' });
  let x = g.node('Flatten', [g.input('input', ['batch', 3, 2, 2])], { axis: 1 }, { name: '/Flatten' });
  shapes.forEach(([o, i], k) => {
    const last = k === shapes.length - 1;
    const wk = g.initializer(`fc${k}.weight`, w[k]!, [o, i]);
    const bk = g.initializer(`fc${k}.bias`, b[k]!, [o]);
    x = g.node('Gemm', [x, wk, bk], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: `/fc${k}/Gemm`, ...(last ? { outputs: ['logits'] } : {}) });
    if (!last) x = g.node('Relu', [x], {}, { name: `/relu${k}/Relu` });
  });
  g.output(x, ['batch', CLASSES]);
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-gbp-'));
  writeFileSync(join(dir, 'mlp.onnx'), encodeModel(g.build()));
  writeFileSync(join(dir, 'mlp.json'), JSON.stringify({ inputSize: 2, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch' }));
  return { path: join(dir, 'mlp.onnx'), w, b };
}

/** y = W·x + b in float64 (W row-major [out, in]). */
const affine = (w: Float32Array, b: Float32Array, x: readonly number[]) => Array.from(b, (bo, o) => x.reduce((s, xi, i) => s + w[o * x.length + i]! * xi, bo));
/** Wᵀ·dy. */
const back = (w: Float32Array, dy: readonly number[], inputs: number) => Array.from({ length: inputs }, (_, i) => dy.reduce((s, d, o) => s + w[o * inputs + i]! * d, 0));

/** The input gradient of class `cls`, plain or guided; `negative` counts active units given a negative dy. */
function hand(w: Float32Array[], b: Float32Array[], x: readonly number[], cls: number, guided: boolean): { grad: number[]; negative: number } {
  const z1 = affine(w[0]!, b[0]!, x);
  const z2 = affine(w[1]!, b[1]!, z1.map((v) => Math.max(v, 0)));
  let negative = 0;
  const relu = (z: number[], dy: number[]) =>
    dy.map((d, i) => {
      if (z[i]! <= 0) return 0;
      if (d < 0) negative++;
      return guided ? Math.max(d, 0) : d;
    });
  const dh2 = Array.from({ length: HIDDEN }, (_, i) => w[2]![cls * HIDDEN + i]!);
  const dz2 = relu(z2, dh2);
  const dz1 = relu(z1, back(w[1]!, dz2, HIDDEN));
  return { grad: back(w[0]!, dz1, N_IN), negative };
}

test('guided-backprop: the guided rule by hand on a 2-ReLU MLP; gradient: the plain rule; they differ only through negative dy', async () => {
  const { path, w, b } = mlp(1);
  const attributor = await openAttributor(path, { threads: 1 });
  try {
    const x = Array.from(new Random(8).normalArray(N_IN, 1));
    const image = Float32Array.from(x);
    let distinguished = 0;
    for (const cls of [0, 1]) {
      const plain = await attributor.attribute(image, 'gradient', { kind: 'class', cls });
      const guided = await attributor.attribute(image, 'guided-backprop', { kind: 'class', cls });
      const want = hand(w, b, x, cls, false);
      const wantGuided = hand(w, b, x, cls, true);
      want.grad.forEach((v, i) => assert.ok(Math.abs(plain.inputGradient![i]! - v) < 1e-5, `class ${cls} plain ${i}: ${plain.inputGradient![i]} vs ${v}`));
      wantGuided.grad.forEach((v, i) => assert.ok(Math.abs(guided.inputGradient![i]! - v) < 1e-5, `class ${cls} guided ${i}: ${guided.inputGradient![i]} vs ${v}`));
      // With no negative dy at an active unit the rules coincide; with one they must not.
      const differs = want.grad.some((v, i) => Math.abs(v - wantGuided.grad[i]!) > 1e-4);
      assert.equal(differs, want.negative > 0, `class ${cls}`);
      if (differs) distinguished++;
      assert.deepEqual([guided.passes, guided.backward], [1, 1]);
    }
    assert.ok(distinguished > 0, 'the model must give an active unit a negative dy for one class');
    // The guided rule is passed per request, never installed in the built-in table.
    assert.notEqual(builtinRule('Relu'), guidedRelu.vjp);
    assert.equal((await attributor.attribute(image, 'gradient', { kind: 'class', cls: 0 })).inputGradient!.length, N_IN);
  } finally {
    await attributor.close();
  }
});
