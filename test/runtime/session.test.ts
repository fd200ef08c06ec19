// ModelSession: the worker-thread onnxruntime session — results, errors as one-line
// NeurolensErrors, transfer semantics, queueing, crashes and shutdown.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { NeurolensError } from '../../src/errors.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { ModelSession, prestartWorker } from '../../src/runtime/session.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { randomImages, tinyResNet } from '../fixtures/tiny-models.js';
import { assertClose } from './helpers.js';

const bytes = encodeModel(tinyResNet());
let session: ModelSession;

function feed(batch = 1, seed = 7): Record<string, TensorLike> {
  return { input: { data: randomImages(batch, 16, seed), dims: [batch, 3, 16, 16] } };
}

/** Asserts a rejection is a one-line NeurolensError of `kind` matching `pattern`. */
function oneLineError(kind: NeurolensError['kind'], pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof NeurolensError, `not a NeurolensError: ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    assert.equal(error.message.includes('\n'), false, `multi-line: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  };
}

before(async () => {
  session = await ModelSession.create(bytes, { threads: 1 });
});

after(async () => {
  await session?.close();
});

test('runs the model and reports names and metadata', async () => {
  assert.deepEqual(session.inputNames, ['input']);
  assert.deepEqual(session.outputNames, ['logits']);
  assert.deepEqual(session.inputMetadata, [{ name: 'input', isTensor: true, type: 'float32', shape: ['batch', 3, 16, 16] }]);
  assert.deepEqual(session.outputMetadata, [{ name: 'logits', isTensor: true, type: 'float32', shape: ['batch', 5] }]);
  const out = await session.run(feed(2), ['logits']);
  assert.deepEqual(out.logits!.dims, [2, 5]);
  assert.equal(out.logits!.type, 'float32');
  assert.ok(out.logits!.data instanceof Float32Array);
  assert.equal(out.logits!.data.byteLength, out.logits!.data.buffer.byteLength, 'outputs own their buffer');
});

test('feeds are transferred; views into a larger buffer are copied', async () => {
  const owned = feed();
  const data = owned.input!.data;
  await session.run(owned);
  assert.equal(data.length, 0, 'the transferred array is detached');
  await assert.rejects(session.run(owned), oneLineError('usage', /^input "input" was already sent to an earlier run .*pass a copy \(data\.slice\(\)\)/));

  const big = randomImages(3);
  const view = big.subarray(768, 2 * 768);
  const copy = view.slice();
  const fromView = await session.run({ input: { data: view, dims: [1, 3, 16, 16] } });
  assert.equal(big.length, 3 * 768, 'the caller buffer is untouched');
  const fromCopy = await session.run({ input: { data: copy, dims: [1, 3, 16, 16] } });
  assertClose(fromView.logits, fromCopy.logits, 'same values');
});

test('bad feeds give one-line errors naming the input', async () => {
  const good = () => feed();
  await assert.rejects(session.run({ image: good().input! }), oneLineError('usage', /^the model has no input "image"; its inputs are "input"$/));
  await assert.rejects(session.run({}), oneLineError('usage', /^missing input "input" \(expected dims \[batch, 3, 16, 16\]\)/));
  await assert.rejects(
    session.run({ input: { data: randomImages(1), dims: [3, 16, 16] } }),
    oneLineError('runtime', /^input "input" has rank 3 \(dims \[3, 16, 16\]\) but the model expects rank 4 \(dims \[batch, 3, 16, 16\]\); reshape the tensor$/),
  );
  await assert.rejects(
    session.run({ input: { data: randomImages(1, 8), dims: [1, 3, 8, 8] } }),
    oneLineError('runtime', /^input "input" has dims \[1, 3, 8, 8\] but the model expects dims \[batch, 3, 16, 16\] \(dim 2: got 8, expected 16; dim 3: got 8, expected 16\)/),
  );
  await assert.rejects(
    session.run({ input: { data: new Int32Array(768), dims: [1, 3, 16, 16] } }),
    oneLineError('usage', /^input "input" holds int32 values but the model expects float32/),
  );
  await assert.rejects(session.run({ input: { data: randomImages(1), dims: [2, 3, 16, 16] } }), oneLineError('usage', /^input "input" has dims \[2, 3, 16, 16\] \(1536 values\) but its data holds 768/));
  await assert.rejects(session.run(good(), ['probabilities']), oneLineError('usage', /^the model has no output "probabilities"; its outputs are "logits"$/));
  // Still usable.
  assert.deepEqual((await session.run(good())).logits!.dims, [1, 5]);
});

test('runs are queued and each gets its own result', async () => {
  const sequential: TensorLike[] = [];
  for (let i = 0; i < 6; i++) sequential.push((await session.run(feed(1 + (i % 3), i))).logits!);
  const concurrent = await Promise.all(Array.from({ length: 6 }, (_, i) => session.run(feed(1 + (i % 3), i))));
  concurrent.forEach((out, i) => assertClose(out.logits, sequential[i], `run ${i}`, 0));
});

test('an unsupported op fails at create with a clear message', async () => {
  const model = tinyResNet();
  model.opsetImport!.push({ domain: 'com.example', version: 1 });
  model.graph!.node!.push({ name: 'mystery', opType: 'NoSuchOp', domain: 'com.example', input: ['logits'], output: ['z'] });
  model.graph!.output!.push({ name: 'z' });
  await assert.rejects(
    ModelSession.create(encodeModel(model)),
    oneLineError('runtime', /^op com\.example:NoSuchOp is not supported by onnxruntime \d+\.\d+\.\d+; re-export the model/),
  );
  const standard = tinyResNet();
  standard.graph!.node!.push({ name: 'mystery', opType: 'NoSuchOp', input: ['logits'], output: ['z'] });
  standard.graph!.output!.push({ name: 'z' });
  await assert.rejects(ModelSession.create(encodeModel(standard)), oneLineError('runtime', /^op NoSuchOp \(node "mystery"\) is not supported by onnxruntime/));
  await assert.rejects(ModelSession.create(new Uint8Array([1, 2, 3, 4])), oneLineError('runtime', /not an ONNX protobuf/));
});

test('options are validated; graph optimization levels agree', async () => {
  await assert.rejects(ModelSession.create(bytes, { threads: 0 }), oneLineError('usage', /^threads must be a positive integer, got 0$/));
  await assert.rejects(
    ModelSession.create(bytes, { graphOptimization: 'max' as 'all' }),
    oneLineError('usage', /^graphOptimization must be one of 'all', 'basic', 'disabled', got "max"$/),
  );
  const plain = await ModelSession.create(bytes, { graphOptimization: 'disabled', threads: 1 });
  try {
    const a = await plain.run(feed(2));
    const b = await session.run(feed(2));
    assertClose(a.logits, b.logits, 'disabled vs all');
  } finally {
    await plain.close();
  }
});

test('CUDA is opt-in and fails clearly where it is unavailable', async () => {
  let cuda: ModelSession | undefined;
  try {
    cuda = await ModelSession.create(bytes, { executionProvider: 'cuda' });
  } catch (error) {
    oneLineError('runtime', /CUDA execution provider|no CUDA execution provider/)(error);
    assert.match((error as Error).message, /executionProvider 'cpu'/);
  }
  if (cuda) {
    const out = await cuda.run(feed());
    assertClose(out.logits, (await session.run(feed())).logits, 'cuda vs cpu', 1e-4);
    await cuda.close();
  }
});

test('a worker that dies rejects pending and later runs instead of hanging', async () => {
  const doomed = await ModelSession.create(bytes, { threads: 1 });
  const crashed = oneLineError('runtime', /^the onnxruntime worker stopped unexpectedly/);
  // The run in flight may finish inside the worker before the crash lands (a tiny model is fast):
  // it must then resolve, or else reject with the crash error — never hang.
  const inFlight = doomed.run(feed(4)).then(
    () => 'resolved',
    (error: unknown) => {
      assert.ok(crashed(error));
      return 'rejected';
    },
  );
  const queued = assert.rejects(doomed.run(feed(4)), crashed);
  // Simulate a crash: end the worker behind the session's back.
  await (doomed as unknown as { worker: Worker }).worker.terminate();
  assert.ok(['resolved', 'rejected'].includes(await inFlight));
  await queued;
  await assert.rejects(doomed.run(feed()), crashed);
  await doomed.close();
});

test('close() finishes the run in progress, rejects queued runs, and is idempotent', async () => {
  const closing = await ModelSession.create(bytes, { threads: 1 });
  const first = closing.run(feed(2));
  const second = assert.rejects(closing.run(feed(2)), oneLineError('runtime', /^the onnxruntime session is closed/));
  const closed = closing.close();
  assert.deepEqual((await first).logits!.dims, [2, 5]);
  await second;
  await closed;
  await closing.close();
  await assert.rejects(closing.run(feed()), oneLineError('runtime', /^the onnxruntime session is closed/));
});

test('a prestarted worker runs the next session, with the same results as a fresh one', async () => {
  const spare = prestartWorker();
  assert.equal(typeof spare.threadId, 'number');
  // A second call while the spare waits reuses it rather than starting another.
  assert.equal(prestartWorker().threadId, spare.threadId);
  const claimed = await ModelSession.create(bytes, { threads: 1 });
  try {
    assert.equal(claimed.threadId, spare.threadId);
    assert.notEqual(claimed.threadId, session.threadId);
    // Releasing after the claim must leave the session alone.
    spare.release();
    const [a, b] = [await claimed.run(feed(2, 11)), await session.run(feed(2, 11))];
    assert.deepEqual(a.logits!.data, b.logits!.data);
  } finally {
    await claimed.close();
  }
});

test('a released spare is not claimed: the next session starts its own worker', async () => {
  const spare = prestartWorker();
  spare.release();
  const fresh = await ModelSession.create(bytes, { threads: 1 });
  try {
    assert.notEqual(fresh.threadId, spare.threadId);
    assert.deepEqual((await fresh.run(feed(3))).logits!.dims, [3, 5]);
  } finally {
    await fresh.close();
  }
});

test('a spare given a model onnxruntime rejects fails as a fresh worker does', async () => {
  const garbage = () => new Uint8Array([1, 2, 3, 4]);
  const failure = () => ModelSession.create(garbage(), { threads: 1 }).then(
    () => assert.fail('a 4-byte model must not open'),
    (error: unknown) => {
      assert.ok(error instanceof NeurolensError && !error.message.includes('\n'), String(error));
      return `${error.kind}: ${error.message}`;
    },
  );
  const fresh = await failure();
  prestartWorker();
  assert.equal(await failure(), fresh);
});
