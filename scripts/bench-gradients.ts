/**
 * Benchmark of gradients on plain ONNX (the autodiff graph run by onnxruntime):
 *  1. a ResNet-18-shaped model (seeded random weights) at 224×224, batch 8: input-gradient
 *     images/s against forward-only images/s with the same session options — target ≥ 0.35×;
 *  2. Grad-CAM on the demo CNN (models/emoji-resnet.onnx, 64×64), one image per call through the
 *     Attributor — target ≥ 200 images/s;
 *  3. Integrated Gradients, 32 steps, on the demo CNN — target ≥ 20 images/s;
 *  4. a ViT-B/16-shaped model at 224, batch 8: peak resident memory of the gradient graph (in a
 *     child process, so the peak is its own) against forward only — target ≤ 4 GB;
 *  5. when Debian's python3-torch is installed, PyTorch eager autograd on the same ResNet-18 and
 *     ViT-B/16 shapes, side by side (scripts/bench-gradients-torch.py; never needed otherwise).
 *
 *   npm run bench:gradients
 *   npm run bench:gradients -- --threads 2 --seconds 10
 *   npm run bench:gradients -- --no-torch      (skip part 5: PyTorch's ViT takes minutes on 2 cores)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openAttributor } from '../src/attribution/attributor.js';
import { methodNames } from '../src/attribution/registry.js';
import type { MethodOptions } from '../src/attribution/types.js';
import { GradientModel } from '../src/grad/model.js';
import { encodeModel } from '../src/onnx/codec.js';
import { loadModel } from '../src/onnx/load.js';
import type { ModelProto } from '../src/onnx/types.js';
import { ModelSession } from '../src/runtime/session.js';
import { resnet18, vit, VIT_B16 } from '../test/fixtures/tiny-models.js';
import { deviceFlag } from './device-flag.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const threads = flag('threads') === undefined ? undefined : Number(flag('threads'));
const device = deviceFlag();
/** Every session of the bench: its threads and execution provider. */
const session = { threads, executionProvider: device };
const seconds = Number(flag('seconds') ?? 8);
const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `step` repeatedly for `seconds` (after one warm-up); returns calls per second. */
async function rate(step: () => Promise<unknown>): Promise<number> {
  await step();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await step();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

function batchOf(n: number, size: number): Float32Array {
  return Float32Array.from({ length: n * 3 * size * size }, (_, i) => Math.sin(i * 0.37));
}

/** Forward-only and input-gradient images/s of `model` at `batch`. */
async function forwardVsGradient(model: ModelProto, size: number, batch: number, classes: number): Promise<{ forward: number; gradient: number }> {
  const dims = [batch, 3, size, size];
  const data = batchOf(batch, size);
  const plain = await ModelSession.create(encodeModel(model), session);
  const forward = batch * (await rate(() => plain.run({ input: { data: data.slice(), dims } })));
  await plain.close();
  const grad = await GradientModel.create(model, { targets: [{ tensor: 'logits' }], wrt: ['input'] }, session);
  const seed = () => {
    const s = new Float32Array(batch * classes);
    for (let r = 0; r < batch; r++) s[r * classes + (r % classes)] = 1;
    return { data: s, dims: [batch, classes] };
  };
  const gradient = batch * (await rate(() => grad.run({ input: { data: data.slice(), dims } }, [seed()])));
  await grad.close();
  return { forward, gradient };
}

/** Child-process part: peak RSS of one ViT-B/16 batch-8 run, forward only or with gradients. */
async function vitMemory(mode: 'forward' | 'gradient'): Promise<void> {
  const model = vit(VIT_B16, 3, 'vit-b16', 1000);
  const dims = [8, 3, 224, 224];
  const before = process.resourceUsage().maxRSS;
  let ips: number;
  if (mode === 'forward') {
    const s = await ModelSession.create(encodeModel(model), session);
    ips = 8 * (await rate(() => s.run({ input: { data: batchOf(8, 224), dims } })));
    await s.close();
  } else {
    const g = await GradientModel.create(model, { targets: [{ tensor: 'logits' }], wrt: ['input'] }, session);
    const seed = () => ({ data: Float32Array.from({ length: 8000 }, (_, i) => (i % 1000 === 0 ? 1 : 0)), dims: [8, 1000] });
    ips = 8 * (await rate(() => g.run({ input: { data: batchOf(8, 224), dims } }, [seed()])));
    await g.close();
  }
  console.log(JSON.stringify({ peakMB: process.resourceUsage().maxRSS / 1024, beforeMB: before / 1024, ips }));
}

async function main(): Promise<void> {
  const part = flag('part');
  if (part === 'vit-forward' || part === 'vit-gradient') return vitMemory(part === 'vit-forward' ? 'forward' : 'gradient');

  console.log(`gradients bench — machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${seconds} s per figure, execution provider ${device}`);

  const r18 = await forwardVsGradient(resnet18(), 224, 8, 1000);
  console.log(`1. ResNet-18 shape, 224×224, batch 8: forward ${r18.forward.toFixed(1)} images/s, input gradient ${r18.gradient.toFixed(1)} images/s = ${(r18.gradient / r18.forward).toFixed(2)}× forward (target ≥ 0.35×)`);

  const demo = join(root, 'models', 'emoji-resnet.onnx');
  const emojiDir = join(root, 'node_modules', 'emoji-datasource-google', 'img', 'google', '64');
  const files = readdirSync(emojiDir).filter((f) => f.endsWith('.png')).sort().slice(0, 32);
  const attributor = await openAttributor(demo, { ...(threads === undefined ? {} : { threads }), executionProvider: device });
  const images = await Promise.all(files.map((f) => attributor.loadImage(join(emojiDir, f))));
  let i = 0;
  const next = () => images[i++ % images.length]!;
  for (const [label, method, options, target] of [
    ['2. Grad-CAM, demo CNN 64×64, one image per call', 'grad-cam', {}, 200],
    ['3. Integrated Gradients, 32 steps, demo CNN', 'integrated-gradients', { steps: 32 }, 20],
  ] as const) {
    if (!methodNames().includes(method)) {
      console.log(`${label}: method ${method} is not registered`);
      continue;
    }
    const ips = await rate(() => attributor.attribute(next(), method, { kind: 'pred' }, options as MethodOptions));
    console.log(`${label}: ${ips.toFixed(1)} images/s (target ≥ ${target} images/s)`);
  }
  await attributor.close();
  // What IG could reach at best: its 33 gradient images each cost a forward pass plus a backward
  // pass of at least the forward's FLOPs (every conv's data gradient is a conv of the same size).
  const demoModel = (await loadModel(demo)).model;
  const plain = await ModelSession.create(encodeModel(demoModel), session);
  const rows = 33;
  const feeds = () => ({ [demoModel.graph!.input![0]!.name!]: { data: batchOf(rows, 64), dims: [rows, 3, 64, 64] } });
  const forward = rows * (await rate(() => plain.run(feeds())));
  await plain.close();
  console.log(`   demo CNN forward only, batch ${rows}: ${forward.toFixed(0)} images/s, so IG with 32 steps (33 gradient images) is bounded by ≈ ${(forward / 2 / rows).toFixed(1)} images/s (forward + an equal-FLOP backward per gradient image)`);

  const self = fileURLToPath(import.meta.url);
  const child = (p: string) => {
    const out = spawnSync(process.execPath, ['--import', 'tsx', self, '--part', p, '--seconds', '3', '--device', device, ...(threads ? ['--threads', String(threads)] : [])], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`${p} failed: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { peakMB: number; beforeMB: number; ips: number };
  };
  const fwd = child('vit-forward');
  const grd = child('vit-gradient');
  console.log(`4. ViT-B/16 shape, 224×224, batch 8: peak memory forward ${(fwd.peakMB / 1024).toFixed(2)} GB (${fwd.ips.toFixed(1)} images/s), with input gradient ${(grd.peakMB / 1024).toFixed(2)} GB (${grd.ips.toFixed(1)} images/s; target ≤ 4 GB); process baseline ${(grd.beforeMB / 1024).toFixed(2)} GB`);

  if (process.argv.includes('--no-torch')) {
    console.log('5. PyTorch comparison skipped (--no-torch)');
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return;
  }
  // Debian's python3-torch lives in the system interpreter, which a pyenv shim may hide.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const torch = spawnSync(python, [join(root, 'scripts', 'bench-gradients-torch.py'), '--seconds', String(Math.min(seconds, 5)), ...(threads ? ['--threads', String(threads)] : [])], { encoding: 'utf8' });
  if (torch.status === 0) process.stdout.write(`5. PyTorch eager autograd, same shapes (for comparison):\n${torch.stdout}`);
  else console.log(`5. PyTorch comparison skipped (${torch.error ? 'no python3' : (torch.stderr.trim().split('\n').at(-1) ?? 'failed')})`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
