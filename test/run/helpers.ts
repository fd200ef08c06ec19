/** Reading a recorded run in tests, through the one run reader (src/run). */
import { layerFileStem } from '../../src/record/layout.js';
import type { Pooling, RunManifest } from '../../src/record/types.js';
import { openRun } from '../../src/run/open.js';

/** The validated manifest of `run`. */
export async function runManifest(run: string) {
  return (await openRun(run, { activations: false, images: false })).manifest;
}

/** The images table of `run`, sorted by index. */
export async function runImages(run: string) {
  return [...(await openRun(run, { activations: false })).images];
}

/**
 * A schema-valid manifest for hand-made runs (tests that write their own matrices): `layers` and
 * `poolings` as given, activation artefacts for every layer × pooling, other fields plausible.
 */
export function handManifest(poolings: Pooling[], layers: { id: string; channels: number }[], images: number): RunManifest {
  return {
    format: 'neurolens-run',
    formatVersion: 1,
    neurolensVersion: '0.0.0-test',
    createdAt: '2020-01-01T00:00:00.000Z',
    model: { path: '/nonexistent/model.onnx', sha256: '0'.repeat(64), bytes: 0, input: { name: 'input', dims: ['batch', 3, 16, 16] }, output: 'logits', numClasses: 2 },
    images: { source: 'images', root: '/nonexistent/images', listed: images, count: images, skipped: 0 },
    preprocessing: { height: 16, width: 16, channels: 3, layout: 'NCHW', resize: 'stretch', cropFraction: 1, interpolation: 'linear', mean: [0, 0, 0], std: [1, 1, 1], background: [0, 0, 0], maxPixels: 1e8 },
    layers: layers.map((l) => ({ id: l.id, tensor: l.id, kind: 'feature', channels: l.channels, isDefault: true })),
    poolings,
    topK: 100,
    artifacts: layers.flatMap((l) =>
      poolings.map((pooling) => ({ path: `activations/${layerFileStem(l.id)}.${pooling}.npy`, role: 'activations' as const, layer: l.id, pooling, dtype: '<f4', shape: [images, l.channels] })),
    ),
    identity: {},
    fingerprint: '0'.repeat(64),
  };
}
