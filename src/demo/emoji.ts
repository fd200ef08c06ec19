/**
 * The demo image collection: emoji artwork from the `emoji-datasource-google` (Noto, Apache-2.0)
 * and `emoji-datasource-twitter` (Twemoji, CC-BY 4.0) npm packages — 64×64 PNGs whose names,
 * categories and subcategories give captions and a ground-truth hierarchy. Nothing is downloaded:
 * the packages are installed by `npm install` in a neurolens checkout.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { demoMessages } from '../messages/index.js';
import { writeFileAtomic } from '../store/atomic.js';

export const ARTWORKS = ['google', 'twitter'] as const;
export type Artwork = (typeof ARTWORKS)[number];

export interface EmojiImage {
  /** Path inside the staged collection, e.g. 'google/1f600.png'. */
  path: string;
  /** Absolute path of the PNG in node_modules. */
  source: string;
  artwork: Artwork;
  unified: string;
  name: string;
  shortName: string;
  category: string;
  subcategory: string;
  sortOrder: number;
}

interface EmojiRecord {
  name?: string | null;
  unified: string;
  image: string;
  short_name: string;
  category: string;
  subcategory: string;
  sort_order: number;
  [key: `has_img_${string}`]: boolean | undefined;
}

function packageDir(artwork: Artwork): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`emoji-datasource-${artwork}/package.json`));
  } catch {
    throw new NeurolensError('input', demoMessages.dataMissing(`emoji-datasource-${artwork}`));
  }
}

/** Every base emoji with artwork in each package, ordered by (sort order, artwork). */
export async function listEmojiImages(): Promise<EmojiImage[]> {
  const images: EmojiImage[] = [];
  for (const artwork of ARTWORKS) {
    const dir = packageDir(artwork);
    const records = JSON.parse(await readFile(join(dir, 'emoji.json'), 'utf8')) as EmojiRecord[];
    for (const r of records) {
      if (!r[`has_img_${artwork}`]) continue;
      images.push({
        path: `${artwork}/${r.image}`,
        source: join(dir, 'img', artwork, '64', r.image),
        artwork,
        unified: r.unified,
        name: (r.name ?? r.short_name).toLowerCase(),
        shortName: r.short_name,
        category: r.category,
        subcategory: r.subcategory,
        sortOrder: r.sort_order,
      });
    }
  }
  return images.sort((a, b) => a.sortOrder - b.sortOrder || a.artwork.localeCompare(b.artwork));
}

/** An even spread of `emoji` emoji over the sort order (both artworks of each), for quick runs. */
export function spreadSubset(images: readonly EmojiImage[], emoji: number): EmojiImage[] {
  const codes = [...new Set(images.map((i) => i.unified))];
  if (emoji >= codes.length) return [...images];
  const step = codes.length / emoji;
  const keep = new Set(Array.from({ length: emoji }, (_, i) => codes[Math.floor(i * step)]!));
  return images.filter((i) => keep.has(i.unified));
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Copies the images into `dir/images/<artwork>/` (so runs reference a stable folder) and writes
 * `dir/labels.csv` (path, name, short_name, category, subcategory, artwork, unified) — category →
 * subcategory → emoji is the ground truth — and `dir/captions.csv` (path, caption = emoji name).
 */
export async function stageEmojiDataset(dir: string, images: readonly EmojiImage[]): Promise<{ imagesDir: string; labels: string; captions: string }> {
  const imagesDir = join(dir, 'images');
  for (const artwork of ARTWORKS) await mkdir(join(imagesDir, artwork), { recursive: true });
  for (const image of images) await copyFile(image.source, join(imagesDir, image.path));
  const header = 'path,name,short_name,category,subcategory,artwork,unified\n';
  const rows = images.map((i) => [i.path, i.name, i.shortName, i.category, i.subcategory, i.artwork, i.unified].map(csvField).join(','));
  const labels = join(dir, 'labels.csv');
  await writeFileAtomic(labels, header + rows.map((r) => `${r}\n`).join(''));
  // The emoji names are the captions of the concept stage.
  const captions = join(dir, 'captions.csv');
  await writeFileAtomic(captions, 'path,caption\n' + images.map((i) => `${csvField(i.path)},${csvField(i.name)}\n`).join(''));
  return { imagesDir, labels, captions };
}
