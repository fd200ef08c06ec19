/** A recorded run of 24 solid-colour images in three families, with a captions file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { record } from '../../src/record/recorder.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

/** 24 images in three colour families with matching captions; returns the run and captions file. */
export async function colourRun() {
  const ws = await makeWorkspace(tinyResNet(), 0, { broken: false });
  const families = [['red', [220, 30, 30]], ['green', [30, 200, 40]], ['blue', [30, 40, 220]]] as const;
  const lines = ['path,caption'];
  for (const [f, [name, rgb]] of families.entries()) {
    mkdirSync(join(ws.images, name), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const shade = rgb.map((v) => Math.min(255, v + i * 3)) as [number, number, number];
      await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: shade[0], g: shade[1], b: shade[2] } } }).png().toFile(join(ws.images, name, `${i}.png`));
      lines.push(`${name}/${i}.png,a ${i % 2 ? 'bright' : 'dark'} ${name} square ${f === 0 ? 'apple' : f === 1 ? 'leaf' : 'sky'}`);
    }
  }
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, layers: 'all', poolings: ['mean'] });
  const captions = join(ws.dir, 'captions.csv');
  writeFileSync(captions, `${lines.join('\n')}\n`);
  return { run, captions, dir: ws.dir };
}

