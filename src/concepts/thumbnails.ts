/** Small PNG thumbnails as data URIs, so reports open from disk with no server or file links. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export async function thumbnails(root: string, images: readonly { index: number; path: string }[], size = 48): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const image of images) {
    try {
      const png = await sharp(await readFile(join(root, image.path))).rotate().flatten({ background: '#ffffff' }).resize(size, size, { fit: 'inside' }).png().toBuffer();
      out.set(image.index, `data:image/png;base64,${png.toString('base64')}`);
    } catch {
      // A moved or unreadable image just has no thumbnail; the report still lists its path.
    }
  }
  return out;
}
