/**
 * Benchmark of FINCH clustering on seeded synthetic data: Gaussian blobs (default 25,000 × 384,
 * 64 centres) clustered with the default settings (cosine, v0.2.1, early exit). Prints the time
 * of finch() alone (data generation excluded), the process's peak RSS (worker thread included)
 * and the hierarchy found. Nothing is asserted.
 *
 *   npm run bench:finch
 *   npm run bench:finch -- --rows 25000 --dims 384 --centres 64 --metric euclidean --threads 2 --clusters 40
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { finch, type FinchOptions } from '../src/cluster/finch.js';
import { Random } from '../src/util/random.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const rows = Number(flag('rows') ?? 25_000);
const dims = Number(flag('dims') ?? 384);
const centres = Number(flag('centres') ?? 64);
const metric = (flag('metric') ?? 'cosine') as FinchOptions['metric'];
const threads = flag('threads') ? Number(flag('threads')) : undefined;
const clusters = flag('clusters') ? Number(flag('clusters')) : undefined;

/** Blobs: centres ~ N(0, 1), each point = a random centre + N(0, 0.6²) noise, seed 2024. */
function blobs(): Float32Array {
  const rng = new Random(2024);
  const c = rng.normalArray(centres * dims);
  const data = new Float32Array(rows * dims);
  for (let i = 0; i < rows; i++) {
    const o = rng.int(centres) * dims;
    for (let k = 0; k < dims; k++) data[i * dims + k] = c[o + k]! + 0.6 * rng.normal();
  }
  return data;
}

const data = blobs();
console.log(`finch bench: ${rows} × ${dims} (${centres} blobs), metric ${metric}, threads ${threads ?? availableParallelism()}, execution provider cpu (onnxruntime GEMM; no model runs)`);
console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const phases: string[] = [];
let lastPhase = '';
const cpuStart = process.cpuUsage();
const start = performance.now();
const result = await finch(data, {
  dims,
  metric,
  threads,
  clusters,
  onProgress: (p) => {
    const key = `${p.phase}@${p.level}`;
    if (key !== lastPhase) {
      lastPhase = key;
      phases.push(`${key} +${((performance.now() - start) / 1000).toFixed(2)}s`);
    }
  },
});
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const peakMiB = process.resourceUsage().maxRSS / 1024;
console.log(`phases: ${phases.join(', ')}`);
console.log(`clusters per level: ${result.counts.join(' → ')}${result.requested ? ` (requested ${clusters})` : ''}`);
// CPU time (all threads) is the load-independent figure; wall time depends on what else runs.
console.log(`time ${seconds.toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s), peak RSS ${peakMiB.toFixed(0)} MiB, load average after ${loadavg()[0]!.toFixed(2)}`);
