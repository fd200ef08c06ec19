/**
 * The rates stage on a run: RUN/neurons/rates.LAYER.npy (float32 [C]), RUN/neurons/rare-per-image.npy
 * (int32 [N, L], layers in analysis order) and RUN/neurons/summary.json (definitions in ./rates.ts).
 */
import { join } from 'node:path';
import { layerFileStem } from '../record/layout.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { writeNpy } from '../store/npy.js';
import { activeCounts, rareChannels, rareCountsPerImage, rateHistogram, ratesFromCounts, topOffenders } from './rates.js';
import { openActivations, type NeuronsRun } from './run.js';
import type { LayerRateSummary, NeuronsHooks, RatesSummary } from './types.js';

/** Images listed in `topOffenders`. */
export const TOP_OFFENDERS = 10;

export async function writeRates(run: NeuronsRun, settings: { activeAbove: number | null; rareBelow: number }, hooks: NeuronsHooks = {}): Promise<{ files: string[]; summary: RatesSummary }> {
  const N = run.manifest.images.count;
  const L = run.layers.length;
  const perImage = new Int32Array(N * L);
  const layers: LayerRateSummary[] = [];
  const files: string[] = [];
  const total = 2 * N * L;
  for (const [l, layer] of run.layers.entries()) {
    const reader = await openActivations(run, layer);
    try {
      const read = (start: number, count: number) => reader.readFloat32Rows(start, count);
      const options = { images: N, channels: layer.channels, threshold: settings.activeAbove };
      const counts = await activeCounts(read, { ...options, onRows: (done) => hooks.onProgress?.({ phase: 'rates', done: 2 * N * l + done, total }) });
      const rates = ratesFromCounts(counts, N);
      const rare = rareChannels(rates, settings.rareBelow);
      const perLayer = await rareCountsPerImage(read, rare, { ...options, onRows: (done) => hooks.onProgress?.({ phase: 'rates', done: 2 * N * l + N + done, total }) });
      for (let i = 0; i < N; i++) perImage[i * L + l] = perLayer[i]!;
      const file = `neurons/rates.${layerFileStem(layer.id)}.npy`;
      await writeNpy(join(run.dir, file), Float32Array.from(rates), [layer.channels]);
      files.push(file);
      let sum = 0;
      for (const r of rates) sum += r;
      layers.push({
        id: layer.id,
        channels: layer.channels,
        pooling: run.pooling,
        threshold: settings.activeAbove,
        rareBelow: settings.rareBelow,
        meanRate: layer.channels > 0 ? sum / layer.channels : 0,
        histogram: rateHistogram(rates),
        dead: counts.reduce((s, k) => s + (k === 0 ? 1 : 0), 0),
        rare: rare.length,
        rareNeurons: rare.map((c) => ({ channel: c, rate: rates[c]!, active: counts[c]! })),
      });
    } finally {
      await reader.close();
    }
  }
  hooks.onProgress?.({ phase: 'rates', done: total, total });
  await writeNpy(join(run.dir, 'neurons', 'rare-per-image.npy'), perImage, [N, L]);
  files.push('neurons/rare-per-image.npy');
  const summary: RatesSummary = {
    format: 'neurolens-neurons-summary',
    formatVersion: 1,
    images: N,
    layers,
    topOffenders: topOffenders(perImage, N, L, TOP_OFFENDERS).map((o) => ({ index: o.index, path: run.images[o.index]?.path ?? '', total: o.total, perLayer: o.perLayer })),
  };
  await writeJsonAtomic(join(run.dir, 'neurons', 'summary.json'), summary);
  files.push('neurons/summary.json');
  return { files, summary };
}
