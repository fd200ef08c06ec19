/**
 * Pixels for the exemplar sprites: an image as the model sees it (one decode gives both the pixels
 * and the input tensor), nearest-neighbour crops of a region, and the sprite PNG.
 */
import sharp from 'sharp';
import { modelPixels } from '../maps/crops.js';
import type { Box } from '../maps/region.js';
import { decodeImage, pixelsToTensor } from '../images/index.js';
import type { Preprocessing } from '../images/types.js';

export interface ModelImage {
  /** 8-bit RGB pixels at the model input size (height × width × 3). */
  pixels: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes `file` once into `into` (the model's input tensor, as the recorder preprocesses it) and
 * returns its RGB pixels. 3-channel models reuse the same pixels for the tensor (the recorder's
 * pipeline: resize, crop, sRGB, 8 bit); 1-channel models need the recorder's own grey decode too.
 */
export async function decodeForView(file: string, prep: Preprocessing, into: Float32Array): Promise<ModelImage> {
  const view = await modelPixels(file, prep);
  if (prep.channels === 3 && view.width === prep.width && view.height === prep.height) pixelsToTensor(view.data, prep, into);
  else await decodeImage(file, prep, { into });
  return { pixels: view.data, width: view.width, height: view.height };
}

/**
 * Copies `box` of `image`, resized to size×size by nearest neighbour (small model inputs and patch
 * grids stay crisp), into the sprite `out` (`spriteWidth` pixels wide, RGB) at column `x0`.
 * No image: a mid-grey tile.
 */
export function drawCrop(out: Uint8Array, spriteWidth: number, x0: number, size: number, image: ModelImage | undefined, box: Box | null): void {
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const o = (oy * spriteWidth + x0 + ox) * 3;
      if (!image || !box) {
        out[o] = out[o + 1] = out[o + 2] = 128;
        continue;
      }
      const sy = Math.min(box.y + box.height - 1, box.y + Math.floor(((oy + 0.5) * box.height) / size));
      const sx = Math.min(box.x + box.width - 1, box.x + Math.floor(((ox + 0.5) * box.width) / size));
      const i = (sy * image.width + sx) * 3;
      out[o] = image.pixels[i]!;
      out[o + 1] = image.pixels[i + 1]!;
      out[o + 2] = image.pixels[i + 2]!;
    }
  }
}

/** PNG bytes of an RGB sprite. */
export function spritePng(raw: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(raw, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
}
