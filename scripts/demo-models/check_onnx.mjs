// Runs an exported demo model in onnxruntime-node and compares it with the logits torch produced.
// Usage: node scripts/demo-models/check_onnx.mjs MODEL.onnx INPUT.f32 N EXPECTED.f32
// INPUT.f32 holds N x 3 x 64 x 64 float32 (little-endian), EXPECTED.f32 holds N x classes float32.
// Prints one JSON line: {"maxAbsDiff": ..., "batch": N, "classes": C, "argmaxAgree": true|false}.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [modelPath, inputPath, nText, expectedPath] = process.argv.slice(2);
if (!expectedPath) {
  console.error('usage: check_onnx.mjs MODEL.onnx INPUT.f32 N EXPECTED.f32');
  process.exit(2);
}
const n = Number(nText);
const asFloat32 = (path) => {
  const buf = readFileSync(path);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
};
const input = asFloat32(inputPath);
const expected = asFloat32(expectedPath);

const session = await ort.InferenceSession.create(modelPath);
const out = await session.run({ input: new ort.Tensor('float32', input, [n, 3, 64, 64]) });
const logits = out.logits.data;
const classes = logits.length / n;
if (logits.length !== expected.length) {
  console.error(`length mismatch: onnx ${logits.length}, torch ${expected.length}`);
  process.exit(1);
}
let maxAbsDiff = 0;
let argmaxAgree = true;
for (let i = 0; i < n; i++) {
  let a = 0;
  let b = 0;
  for (let j = 0; j < classes; j++) {
    const k = i * classes + j;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(logits[k] - expected[k]));
    if (logits[k] > logits[i * classes + a]) a = j;
    if (expected[k] > expected[i * classes + b]) b = j;
  }
  if (a !== b) argmaxAgree = false;
}
console.log(JSON.stringify({ maxAbsDiff, batch: n, classes, argmaxAgree }));
