/**
 * Images as the model sees them: a file's 8-bit pixels after the run's resize and crop, and PNG data
 * URIs of them (whole or cropped to a region), so reports open from disk with no server. Used by
 * attribution overlays, neuron sprites and the circuit reports' crops (src/circuits/neuron-crops.ts).
 */
import sharp from 'sharp';
import { planResize } from '../images/index.js';
import type { Preprocessing } from '../images/types.js';
import type { Box } from './region.js';

/** An image as the model sees it (resized and cropped like the input tensor), for display. */
export interface ModelView {
  dataUri: string;
  width: number;
  height: number;
}

/** The 8-bit sRGB pixels of `file` after the run's resize and crop (the tensor before normalising). */
export async function modelPixels(file: string, prep: Preprocessing): Promise<{ data: Buffer; width: number; height: number }> {
  const image = sharp(file, { autoOrient: true, limitInputPixels: prep.maxPixels, pages: 1 });
  const meta = await image.metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  const plan = planResize(width, height, prep);
  let pipeline = image.flatten({ background: { r: prep.background[0], g: prep.background[1], b: prep.background[2] } });
  if (plan.resize) pipeline = pipeline.resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel: prep.interpolation });
  if (plan.crop) pipeline = pipeline.extract(plan.crop);
  const { data, info } = await pipeline.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A PNG data URI of `pixels`, optionally cropped to `box` and resized to a `size`×`size` square. */
export async function pngUri(pixels: { data: Buffer; width: number; height: number }, box?: Box, size?: number): Promise<string> {
  let pipeline = sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } });
  if (box) pipeline = pipeline.extract({ left: box.x, top: box.y, width: box.width, height: box.height });
  // Nearest neighbour keeps small model inputs (and their patch grids) crisp when enlarged.
  if (size) pipeline = pipeline.resize(size, size, { fit: 'fill', kernel: 'nearest' });
  const png = await pipeline.png({ compressionLevel: 9 }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** The query as the model sees it, as a PNG data URI at the model's input size. */
export async function modelView(file: string, prep: Preprocessing): Promise<ModelView> {
  const pixels = await modelPixels(file, prep);
  return { dataUri: await pngUri(pixels), width: pixels.width, height: pixels.height };
}
