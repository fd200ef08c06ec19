// A recorded run with planted concepts, shared by the probes' library and CLI tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { record } from '../../src/record/recorder.js';
import { Random } from '../../src/util/random.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

export const FAMILIES = [['red', [210, 40, 40]], ['green', [40, 190, 50]], ['blue', [40, 50, 210]]] as const;
export const PER_FAMILY = 24;

/**
 * A recorded run with planted concept structure: 72 noisy images in three colour families (the
 * concept), each drawn around its family colour with seeded per-image jitter and pixel noise.
 */
export async function familyRun() {
  const ws = await makeWorkspace(tinyResNet(), 0, { broken: false });
  const rng = new Random(11);
  const rows = ['path,concept'];
  const multi = ['path,concepts'];
  for (const [name, rgb] of FAMILIES) {
    mkdirSync(join(ws.images, name), { recursive: true });
    for (let i = 0; i < PER_FAMILY; i++) {
      const base = rgb.map((v) => v + (rng.next() - 0.5) * 80);
      const raw = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < raw.length; p++) raw[p] = Math.max(0, Math.min(255, Math.round(base[p % 3]! + (rng.next() - 0.5) * 60)));
      const path = `${name}/${String(i).padStart(2, '0')}.png`;
      await sharp(raw, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(join(ws.images, path));
      rows.push(`${path},${name}`);
      multi.push(`${path},${name}${i % 2 ? ';odd' : ''}`);
    }
  }
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, layers: 'all', poolings: ['mean'], topK: 8 });
  const labels = join(ws.dir, 'labels.csv');
  writeFileSync(labels, `${rows.join('\n')}\n`);
  const multiLabels = join(ws.dir, 'multi.csv');
  writeFileSync(multiLabels, `${multi.join('\n')}\n`);
  return { run, labels, multiLabels };
}

