/**
 * Benchmark of the probes' numerical core on seeded synthetic activations: 25,000 images × 512
 * neurons with 20 planted concepts (each concept, present in ~10 % of images, shifts 3 neurons).
 * Times the single-neuron sweep (all 512 neurons × 20 concepts; target ≤ 20 s) and one
 * multi-neuron probe on all 512 neurons, with L2 (L-BFGS) and with L1 (FISTA) (target ≤ 10 s per
 * concept each), plus sparseK on the L2 probe. Prints seconds, epochs, test AUCs, peak RSS and the load average. Data
 * generation is excluded from the timings.
 *
 *   npm run bench:probes
 *   npm run bench:probes -- --images 25000 --neurons 512 --concepts 20 --l1 1e-3
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sparseK, trainLogistic } from '../src/probes/logistic.js';
import { singleNeuronProbes } from '../src/probes/single.js';
import { stratifiedSplit } from '../src/probes/split.js';
import type { Matrix } from '../src/probes/types.js';
import { Random } from '../src/util/random.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const images = Number(flag('images') ?? 25_000);
const neurons = Number(flag('neurons') ?? 512);
const concepts = Number(flag('concepts') ?? 20);
const l1 = Number(flag('l1') ?? 1e-3);

/** Activations N(0, 1) (ReLU-like: a third clipped at 0); concept c adds 1.5 to neurons 3c..3c+2. */
function synthesise(): { X: Matrix; Y: Uint8Array[] } {
  const rng = new Random(2024);
  const Y = Array.from({ length: concepts }, () => new Uint8Array(images));
  const data = new Float32Array(images * neurons);
  for (let i = 0; i < images; i++) {
    const o = i * neurons;
    for (let j = 0; j < neurons; j++) data[o + j] = Math.max(rng.normal(), -0.4);
    for (let c = 0; c < concepts; c++) {
      if (rng.next() < 0.1) {
        Y[c]![i] = 1;
        for (let t = 0; t < 3; t++) data[o + ((3 * c + t) % neurons)] += 1.5;
      }
    }
  }
  return { X: { data, rows: images, cols: neurons }, Y };
}

const seconds = (start: number) => (performance.now() - start) / 1000;
const { X, Y } = synthesise();
const split = stratifiedSplit(Int32Array.from(Y[0]!), { seed: 0 });
console.log(`probes bench: ${images} images × ${neurons} neurons, ${concepts} concepts; train ${split.train.length}, validation ${split.validation.length}, test ${split.test.length}; execution provider none (plain JavaScript, no onnxruntime session)`);
console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

let start = performance.now();
const single = singleNeuronProbes(X, Y, split);
const singleSeconds = seconds(start);
let meanIterations = 0;
for (const it of single.iterations) meanIterations += it;
meanIterations /= single.iterations.length;
const plantedAuc = Array.from({ length: concepts }, (_, c) => single.auc[c * neurons + ((3 * c) % neurons)]!);
console.log(
  `single-neuron sweep (${neurons} × ${concepts}): ${singleSeconds.toFixed(2)} s (target ≤ 20 s), ` +
    `${meanIterations.toFixed(2)} Newton iterations on average (the first without a pass), planted-neuron test AUC ${Math.min(...plantedAuc).toFixed(3)}–${Math.max(...plantedAuc).toFixed(3)}`,
);

for (const [name, options] of [
  ['L2 (L-BFGS)', {}],
  [`L1 ${l1} (FISTA)`, { l1 }],
] as const) {
  start = performance.now();
  const fit = trainLogistic(X, Y[0]!, split, options);
  const s = seconds(start);
  const nonZero = fit.weights.reduce((a, w) => a + (w !== 0 ? 1 : 0), 0);
  console.log(
    `multi-neuron probe, ${name}: ${s.toFixed(2)} s (target ≤ 10 s), ${fit.epochs} epochs${fit.converged ? ' (converged)' : ''}, ` +
      `test AUC ${fit.metrics.test.auc.toFixed(4)}, ${nonZero} non-zero weights`,
  );
  if (name.startsWith('L2')) {
    const t = performance.now();
    const sparse = sparseK(X, Y[0]!, split, fit.weights, fit.metrics.test.auc);
    console.log(`  sparseK (refits on the top-k neurons): k = ${sparse.k} in ${seconds(t).toFixed(2)} s, ${sparse.curve.length} points`);
  }
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
