/** Small PNG thumbnails as data URIs, so reports open from disk with no server or file links. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** Images decoded at once: sharp works on libuv threads, so a few in flight keep both cores busy. */
const IN_FLIGHT = 4;

export async function thumbnails(root: string, images: readonly { index: number; path: string }[], size = 48): Promise<Map<number, string>> {
  const made: (string | undefined)[] = new Array(images.length);
  let next = 0;
  const worker = async () => {
    while (next < images.length) {
      const i = next++;
      try {
        const png = await sharp(await readFile(join(root, images[i]!.path))).rotate().flatten({ background: '#ffffff' }).resize(size, size, { fit: 'inside' }).png().toBuffer();
        made[i] = `data:image/png;base64,${png.toString('base64')}`;
      } catch {
        // A moved or unreadable image just has no thumbnail; the report still lists its path.
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  // Insertion in input order keeps the report byte-identical across runs.
  const out = new Map<number, string>();
  images.forEach((image, i) => made[i] !== undefined && out.set(image.index, made[i]!));
  return out;
}
