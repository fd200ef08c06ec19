/**
 * The overlay picture of a map: the image as the model sees it (8-bit pixels after resize and crop,
 * src/maps/crops.ts modelPixels) with the map min–max normalised through the turbo colour map
 * (d3-scale-chromatic interpolateTurbo) blended on top at alpha 0.5, enlarged by an integer factor
 * (nearest neighbour, so small inputs stay crisp) to about 256 px, and to its right a vertical
 * colour bar (top = the map's max) labelled with the map's max and min values (SVG text, DejaVu
 * Sans). Pixels are composed in a raw RGB buffer; only the labels go through SVG. Deterministic:
 * the same map and pixels give the same PNG bytes.
 */
import { interpolateTurbo } from 'd3-scale-chromatic';
import sharp from 'sharp';
import type { AttributionMap } from './types.js';

export interface OverlayOptions {
  /** Opacity of the colour map over the image, in [0, 1]. Default 0.5. */
  alpha?: number;
  /** Integer enlargement of the image. Default: ⌊256 / longer side⌋, at least 1. */
  scale?: number;
}

/** The model-view pixels: 8-bit RGB, row-major, as modelPixels returns them. */
export interface OverlayPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

let lut: Uint8Array | undefined;

/** 256 turbo colours (RGB), index 0 = the map's min. */
function turbo(): Uint8Array {
  if (lut) return lut;
  lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = (/(\d+)\D+(\d+)\D+(\d+)/.exec(interpolateTurbo(i / 255)) ?? []).slice(1).map(Number);
    lut.set([r ?? 0, g ?? 0, b ?? 0], i * 3);
  }
  return lut;
}

/** A map value shown with 3 significant digits. */
export function formatValue(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1e-3 && abs < 1e5 ? String(Number(value.toPrecision(3))) : value.toExponential(2);
}

const GAP = 8;
const BAR = 16;
const FONT = 12;

/** PNG bytes of the overlay of `map` on `pixels` (same height and width). */
export async function renderOverlay(pixels: OverlayPixels, map: AttributionMap, options: OverlayOptions = {}): Promise<Buffer> {
  const { width, height } = map;
  if (pixels.width !== width || pixels.height !== height) throw new RangeError(`renderOverlay: pixels are ${pixels.width}×${pixels.height}, the map ${width}×${height}`);
  const alpha = options.alpha ?? 0.5;
  const scale = options.scale ?? Math.max(1, Math.floor(256 / Math.max(width, height)));
  let min = Infinity;
  let max = -Infinity;
  for (const v of map.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const colours = turbo();
  const minLabel = formatValue(min);
  const maxLabel = formatValue(max);
  const labelWidth = Math.ceil(Math.max(minLabel.length, maxLabel.length) * FONT * 0.62) + 4;
  const imageW = width * scale;
  const imageH = height * scale;
  const canvasW = imageW + GAP + BAR + 4 + labelWidth;
  const canvas = Buffer.alloc(canvasW * imageH * 3, 255);
  for (let y = 0; y < imageH; y++) {
    const sy = Math.floor(y / scale);
    for (let x = 0; x < imageW; x++) {
      const p = sy * width + Math.floor(x / scale);
      const level = range > 0 ? Math.round(((map.data[p]! - min) / range) * 255) : 0;
      const o = (y * canvasW + x) * 3;
      for (let c = 0; c < 3; c++) canvas[o + c] = Math.round((1 - alpha) * pixels.data[p * 3 + c]! + alpha * colours[level * 3 + c]!);
    }
  }
  // The bar: top row = max (level 255), bottom row = min (level 0), a 1-px grey frame.
  const barX = imageW + GAP;
  for (let y = 0; y < imageH; y++) {
    const level = imageH > 1 ? Math.round((1 - y / (imageH - 1)) * 255) : 255;
    for (let x = barX; x < barX + BAR; x++) {
      const frame = y === 0 || y === imageH - 1 || x === barX || x === barX + BAR - 1;
      const o = (y * canvasW + x) * 3;
      for (let c = 0; c < 3; c++) canvas[o + c] = frame ? 128 : colours[level * 3 + c]!;
    }
  }
  const textX = barX + BAR + 4;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${canvasW}" height="${imageH}">` +
    `<g font-family="DejaVu Sans" font-size="${FONT}" fill="#222">` +
    `<text x="${textX}" y="${FONT}">${maxLabel}</text>` +
    `<text x="${textX}" y="${imageH - 3}">${minLabel}</text>` +
    `</g></svg>`;
  return sharp(canvas, { raw: { width: canvasW, height: imageH, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png({ compressionLevel: 9 })
    .toBuffer();
}
