// What the zoo cannot run stays one error line naming the node or input and a fix, for inspect,
// record and attribute alike (exit 1, nothing recorded): an op onnxruntime lacks (standard domain,
// a custom domain, a domain the model forgot to import), a graph with no image input, and an image
// input with a fixed batch size (torch.onnx.export without dynamic_axes), channels-first or last.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { Random } from '../../src/util/random.js';
import { runInProcess } from '../helpers/cli.js';
import { Weights, conv, head } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

interface Variant {
  /** An activation replacing the middle ReLU: [opType, domain]. */
  act?: [string, string];
  /** Declare the activation's domain in opset_import (default true). */
  importDomain?: boolean;
  /** Image input dims; a channels-last input is transposed to NCHW first, as Keras exports do. */
  input?: (number | string)[];
}

function cnn({ act, importDomain = true, input = ['batch', 3, 16, 16] }: Variant = {}): ModelProto {
  const g = new GraphBuilder();
  const w = new Weights(g, new Random(41));
  let x = g.input('input', input);
  if (input[3] === 3) x = g.node('Transpose', [x], { perm: [0, 3, 1, 2] }, { name: '/Transpose' });
  const [op, domain] = act ?? ['Relu', ''];
  let y = g.node(op, [conv(w, 'conv1', x, 3, 4, 3)], {}, { name: `/act/${op}`, domain });
  y = g.node('Relu', [conv(w, 'conv2', y, 4, 4, 3)], {}, { name: '/relu2/Relu' });
  head(w, y, 4);
  const model = g.build();
  if (domain !== '' && importDomain) model.opsetImport!.push({ domain, version: 1 });
  return model;
}

function vectorModel(): ModelProto {
  const g = new GraphBuilder();
  const x = g.input('features', ['batch', 48]);
  const fc = g.node('Gemm', [x, new Weights(g, new Random(43)).tensor('fc.weight', [5, 48], 0.1)], { transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] });
  g.output(fc, ['batch', 5]);
  return g.build();
}

/** inspect, record and attribute on `model`: each fails with one line matching `line`, or succeeds. */
async function pipeline(model: ModelProto, expect: { inspect: RegExp | 'ok'; run: RegExp | 'ok' }): Promise<void> {
  const ws = await makeWorkspace(model, 2, { broken: false });
  const commands: [string, string[], RegExp | 'ok', string][] = [
    ['inspect', ['inspect', ws.model], expect.inspect, ''],
    ['record', ['record', '--model', ws.model, '--images', ws.images, '--out', join(ws.dir, 'run'), '--threads', '1'], expect.run, join(ws.dir, 'run')],
    ['attribute', ['attribute', '--model', ws.model, '--images', ws.images, '--out', join(ws.dir, 'maps'), '--method', 'score-cam', '--threads', '1'], expect.run, join(ws.dir, 'maps')],
  ];
  for (const [name, args, want, out] of commands) {
    const result = await runInProcess(buildProgram(), args);
    if (want === 'ok') {
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      continue;
    }
    assert.equal(result.code, 1, `${name}: exit ${result.code}\n${result.stderr}`);
    const lines = result.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
    assert.equal(lines.length, 1, `${name}: one line, got\n${result.stderr}`);
    assert.match(lines[0]!, /^neurolens: error: /);
    assert.match(lines[0]!, want, name);
    if (out !== '') assert.equal(existsSync(out), false, `${name} wrote nothing`);
  }
}

test('an op onnxruntime lacks: one line naming the op and its node, from every command', async () => {
  const unsupported = /op NoSuchOp \(node "\/act\/NoSuchOp"\) is not supported by onnxruntime [\d.]+; re-export the model with standard ONNX ops/;
  await pipeline(cnn({ act: ['NoSuchOp', ''] }), { inspect: unsupported, run: unsupported });
  // onnxruntime names a custom-domain op but not its node; the node is looked up in the model.
  const custom = /op com\.example:FancyAct \(node "\/act\/FancyAct"\) is not supported by onnxruntime/;
  await pipeline(cnn({ act: ['FancyAct', 'com.example'] }), { inspect: custom, run: custom });
});

test('an op in a domain the model does not import: one line naming the node and the domain', async () => {
  const unimported = /^neurolens: error: op com\.example:FancyAct \(node "\/act\/FancyAct"\) is in domain "com\.example", which the model does not import \(no opset_import entry\); add an opset_import/;
  await pipeline(cnn({ act: ['FancyAct', 'com.example'], importDomain: false }), { inspect: unimported, run: unimported });
});

test('a graph with no image input: inspect lists it, record and attribute name the input', async () => {
  await pipeline(vectorModel(), { inspect: 'ok', run: /no image-like input \(input features has shape \[batch, 48\]\); neurolens needs a rank-4 NCHW or NHWC image input/ });
});

test('a fixed batch size, channels first or last: one line naming the input and how to re-export it', async () => {
  for (const input of [[1, 3, 16, 16], [1, 16, 16, 3]]) {
    const fixedBatch = new RegExp(`model input "input" has a fixed batch size of 1 \\(dims \\[${input.join(', ')}\\]\\), but neurolens feeds images in batches; re-export the model with a dynamic batch dim, e\\.g\\. torch\\.onnx\\.export\\(\\.\\.\\., dynamic_axes=\\{"input": \\{0: "batch"\\}\\}\\)$`);
    await pipeline(cnn({ input }), { inspect: 'ok', run: fixedBatch });
  }
});

test('a channels-last image input with a dynamic batch runs', async () => {
  await pipeline(cnn({ input: ['batch', 16, 16, 3] }), { inspect: 'ok', run: 'ok' });
});
