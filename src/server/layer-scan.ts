/**
 * One streaming pass pair over a layer's activation matrix (`activations/LAYER.POOL.npy`,
 * images × channels): per-channel min and max, then a histogram of HISTOGRAM_BINS equal bins over
 * [min, max]. Rows are read in chunks so runs larger than memory work; the result is cached per
 * (layer, pooling) by the run index.
 */
import { NpyReader } from '../store/npy.js';
import { HISTOGRAM_BINS } from './api.js';

export interface LayerScan {
  channels: number;
  images: number;
  min: Float32Array;
  max: Float32Array;
  /** channels × HISTOGRAM_BINS counts, channel-major. */
  counts: Uint32Array;
}

/** Bytes read per chunk of rows. */
const CHUNK_BYTES = 8 * 1024 * 1024;

export async function forEachChunk(reader: NpyReader, channels: number, visit: (rows: Float32Array, count: number) => void): Promise<void> {
  const step = Math.max(1, Math.floor(CHUNK_BYTES / (4 * Math.max(1, channels))));
  for (let start = 0; start < reader.rows; start += step) {
    const count = Math.min(step, reader.rows - start);
    visit(await reader.readFloat32Rows(start, count), count);
  }
}

/** Min, max and histogram of every channel of the matrix at `path`. */
export async function scanLayer(path: string): Promise<LayerScan> {
  const reader = await NpyReader.open(path);
  try {
    const channels = reader.header.shape[1] ?? 1;
    const min = new Float32Array(channels).fill(Infinity);
    const max = new Float32Array(channels).fill(-Infinity);
    await forEachChunk(reader, channels, (rows, count) => {
      for (let r = 0; r < count; r++) {
        const off = r * channels;
        for (let c = 0; c < channels; c++) {
          const v = rows[off + c]!;
          if (v < min[c]!) min[c] = v;
          if (v > max[c]!) max[c] = v;
        }
      }
    });
    for (let c = 0; c < channels; c++) {
      if (min[c] === Infinity) min[c] = 0; // no finite value (empty run or all NaN)
      if (max[c] === -Infinity) max[c] = 0;
    }
    const counts = new Uint32Array(channels * HISTOGRAM_BINS);
    await forEachChunk(reader, channels, (rows, count) => {
      for (let r = 0; r < count; r++) {
        const off = r * channels;
        for (let c = 0; c < channels; c++) counts[c * HISTOGRAM_BINS + binOf(rows[off + c]!, min[c]!, max[c]!)]++;
      }
    });
    return { channels, images: reader.rows, min, max, counts };
  } finally {
    await reader.close();
  }
}

/** Bin of `v` among HISTOGRAM_BINS equal bins over [lo, hi] (the last bin includes hi; NaN goes to bin 0). */
export function binOf(v: number, lo: number, hi: number): number {
  if (!(hi > lo) || !(v > lo)) return 0;
  const b = Math.floor(((v - lo) / (hi - lo)) * HISTOGRAM_BINS);
  return b >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : b;
}

/** The histogram of one channel as the API sends it. */
export function channelHistogram(scan: LayerScan, channel: number): { edges: number[]; counts: number[] } {
  const lo = scan.min[channel]!;
  const hi = scan.max[channel]!;
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / HISTOGRAM_BINS);
  const counts = Array.from(scan.counts.subarray(channel * HISTOGRAM_BINS, (channel + 1) * HISTOGRAM_BINS));
  return { edges, counts };
}
