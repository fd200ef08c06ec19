/** Shared setup for the neurons tests: a tiny recorded run. */
import { join } from 'node:path';
import { record } from '../../src/record/recorder.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

/** A run of `count` generated images through the tiny ResNet, all layers, all three poolings. */
export async function tinyRun(count = 24, options: { topK?: number } = {}) {
  const ws = await makeWorkspace(tinyResNet(), count, { broken: false });
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, layers: 'all', threads: 1, ...(options.topK ? { topK: options.topK } : {}) });
  return { ...ws, run };
}
