// Every library stage that runs a model hands its executionProvider to every session it opens.
// ModelSession's constructors are wrapped: each records the provider it was asked for and opens
// the session on the CPU (the only provider this machine has), so each stage runs to the end and
// every session it opens on the way is seen, not just the first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { evaluateCircuits } from '../../src/circuits/eval.js';
import { diagnoseQuery } from '../../src/circuits/diagnose.js';
import { writeCircuits } from '../../src/circuits/write.js';
import { runNeurons } from '../../src/neurons/pipeline.js';
import { runAttribution } from '../../src/attribution/pipeline.js';
import { record } from '../../src/record/recorder.js';
import { ModelSession } from '../../src/runtime/session.js';
import { checkProvider } from '../../src/runtime/provider.js';
import type { SessionOptions } from '../../src/runtime/types.js';
import { runShard } from '../../src/scale/stages.js';
import { visualize } from '../../src/visualize/pipeline.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace, type Workspace } from '../record/helpers.js';

type Create = (bytes: Uint8Array, options?: SessionOptions) => Promise<ModelSession>;
const original = { create: ModelSession.create.bind(ModelSession) as Create, createTransferring: ModelSession.createTransferring.bind(ModelSession) as Create };
let asked: (string | undefined)[] = [];

/** Runs `stage` and returns the provider each session it opened was asked for. */
async function providers(stage: () => Promise<unknown>): Promise<(string | undefined)[]> {
  asked = [];
  await stage();
  return asked;
}

let ws: Workspace;
let run: string;
let layer: string;
before(async () => {
  ws = await makeWorkspace(tinyResNet(), 12, { broken: false });
  run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
  layer = (JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { layers: { id: string }[] }).layers[0]!.id;
  for (const name of ['create', 'createTransferring'] as const) {
    (ModelSession as unknown as Record<string, Create>)[name] = (bytes, options = {}) => {
      asked.push(options.executionProvider);
      return original[name](bytes, { ...options, executionProvider: 'cpu' });
    };
  }
});
after(() => {
  Object.assign(ModelSession, original);
});

const cuda = { executionProvider: 'cuda' as const, threads: 1 };

function allCuda(seen: (string | undefined)[], least: number, what: string): void {
  assert.ok(seen.length >= least, `${what} opened ${seen.length} session(s), expected at least ${least}`);
  assert.deepEqual(seen, seen.map(() => 'cuda'), `${what}: a session was not asked for CUDA`);
}

test('checkProvider: the CPU is never checked; another provider opens one session on it', async () => {
  assert.deepEqual(await providers(() => checkProvider('cpu')), []);
  allCuda(await providers(() => checkProvider('cuda')), 1, 'checkProvider');
});

test('record, circuits (discovery, eval, diagnose) ask every session for the provider', async () => {
  allCuda(await providers(() => record({ model: ws.model, images: ws.images, out: join(ws.dir, 'cuda-run'), ...cuda })), 1, 'record');
  // Discovery: the full model, its cuts, the viewer, the ablator, then the crops' ablation.
  allCuda(await providers(() => writeCircuits(run, [{ index: 0 }], { ...cuda, batch: 8 })), 3, 'circuits');
  allCuda(await providers(() => evaluateCircuits({ run, queries: 2, draws: 1, steps: 2, ...cuda, out: join(ws.dir, 'eval.json') })), 3, 'circuits eval');
  allCuda(await providers(() => diagnoseQuery({ run, query: { index: 0 }, ...cuda, out: join(ws.dir, 'diagnosis.json') })), 3, 'circuits diagnose');
});

test('neurons (exemplars, --effects ablation and heatmaps) and visualize (gradient graphs) ask every session for the provider', async () => {
  allCuda(await providers(() => runNeurons({ run, top: 2, effects: true, effectImages: 4, heatmaps: 1, ...cuda })), 3, 'neurons');
  allCuda(await providers(() => visualize({ model: ws.model, run, layers: [layer], neurons: [0], steps: 1, ...cuda })), 2, 'visualize');
  allCuda(await providers(() => runAttribution({ model: ws.model, images: ws.images, out: join(ws.dir, 'attr'), method: 'integrated-gradients', steps: 2, limit: 2, ...cuda })), 1, 'attribute (gradients)');
});

test('queue stages: the worker\'s --device reaches circuits eval and visualize sessions', async () => {
  const spec = { index: 0, count: 1 };
  const noop = () => {};
  allCuda(await providers(() => runShard({ stage: 'circuits-eval', options: { run, queries: 2, draws: 1, steps: 2, threads: 1 } }, spec, { device: 'cuda' }, noop)), 3, 'circuits-eval shard');
  allCuda(await providers(() => runShard({ stage: 'visualize', options: { model: ws.model, run, layers: [layer], neurons: [1], steps: 1, threads: 1 } }, spec, { device: 'cuda' }, noop)), 2, 'visualize shard');
  // What was submitted with the job travels too, when the worker sets no device.
  allCuda(await providers(() => runShard({ stage: 'visualize', options: { model: ws.model, run, layers: [layer], neurons: [2, 3], steps: 1, ...cuda } }, { index: 0, count: 2 }, {}, noop)), 2, 'visualize shard (submitted)');
});
