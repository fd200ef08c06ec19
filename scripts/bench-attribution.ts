/**
 * Benchmark of attribution on the demo CNN (models/emoji-resnet.onnx, 64×64 input), on emoji PNGs
 * from the emoji-datasource-google package:
 *  1. occlusion, window 8, stride 4 (225 windows + the clean pass per image) through `runAttribution`,
 *     end to end (decode, perturb, infer, write .npy + overlay PNG) — target ≥ 50 images/s;
 *  2. pixel-flipping evaluation of those maps, 20 steps, MoRF + LeRF, no random maps, through
 *     `evaluateAttributions` reading the maps back — target ≥ 10 images/s;
 *  3. for context, bare forward passes/s of the same model through one session (batch 225).
 * Prints images/s, passes/s, the machine and its load average.
 *
 *   npm run bench:attribution
 *   npm run bench:attribution -- --images 100 --threads 2
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { runAttribution } from '../src/attribution/pipeline.js';
import { evaluateAttributions } from '../src/attribution/eval/pipeline.js';
import { loadModel } from '../src/onnx/load.js';
import { encodeModel } from '../src/onnx/codec.js';
import { ModelSession } from '../src/runtime/session.js';
import { deviceFlag } from './device-flag.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const count = Number(flag('images') ?? 50);
const threads = flag('threads') === undefined ? undefined : Number(flag('threads'));
const device = deviceFlag();
const root = fileURLToPath(new URL('..', import.meta.url));
const model = join(root, 'models', 'emoji-resnet.onnx');
const emojiDir = join(root, 'node_modules', 'emoji-datasource-google', 'img', 'google', '64');
const files = readdirSync(emojiDir).filter((f) => f.endsWith('.png')).sort().slice(0, count);
const work = mkdtempSync(join(tmpdir(), 'neurolens-bench-attribution-'));
const list = join(work, 'images.txt');
writeFileSync(list, files.map((f) => join(emojiDir, f)).join('\n') + '\n');

console.log(`attribution bench: ${files.length} emoji PNGs, ${model}, execution provider ${device}`);
console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

try {
  // 3 first: a reference for what the hardware does with this model.
  const { model: proto } = await loadModel(model);
  const session = await ModelSession.create(encodeModel(proto), { threads, executionProvider: device });
  const batch = 225;
  const input = new Float32Array(batch * 3 * 64 * 64).map((_, i) => Math.sin(i) * 0.5);
  await session.run({ [session.inputNames[0]!]: { data: input.slice(), dims: [batch, 3, 64, 64] } });
  let passes = 0;
  let start = performance.now();
  while (performance.now() - start < 5000) {
    await session.run({ [session.inputNames[0]!]: { data: input.slice(), dims: [batch, 3, 64, 64] } });
    passes += batch;
  }
  const bare = passes / ((performance.now() - start) / 1000);
  await session.close();
  console.log(`bare forward passes (batch ${batch}): ${bare.toFixed(0)} passes/s → occlusion ceiling ${(bare / 226).toFixed(2)} images/s, 20-step MoRF+LeRF ceiling ${(bare / 42).toFixed(1)} images/s`);

  start = performance.now();
  const maps = join(work, 'maps');
  const attributed = await runAttribution({ model, images: list, out: maps, method: 'occlusion', window: 8, stride: 4, threads, executionProvider: device });
  let seconds = (performance.now() - start) / 1000;
  console.log(
    `occlusion (window 8, stride 4, 64×64): ${attributed.computed} images in ${seconds.toFixed(1)} s = ${(attributed.computed / seconds).toFixed(2)} images/s ` +
      `(${(attributed.passes / seconds).toFixed(0)} passes/s; target ≥ 50 images/s)`,
  );

  start = performance.now();
  const evaluated = await evaluateAttributions({ model, images: list, methods: ['occlusion'], maps, steps: 20, curves: ['morf', 'lerf'], randomMaps: 0, out: join(work, 'eval'), threads, device });
  seconds = (performance.now() - start) / 1000;
  console.log(`pixel flipping (20 steps, MoRF + LeRF, unit 4): ${files.length} images in ${seconds.toFixed(1)} s = ${(files.length / seconds).toFixed(2)} images/s (target ≥ 10 images/s)`);
  void evaluated;
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
