/**
 * Resize geometry: from the (oriented) source size and the recipe, the size to resize to and the
 * region to cut out. Pure integer arithmetic so every platform crops the same pixels.
 */
import type { Preprocessing } from './types.js';

/** A rectangle in pixels. */
export interface Region {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** What to do with a source image: resize (unless already that size), then maybe cut a region. */
export interface ResizePlan {
  /** Width to resize to; equals the source width when `resize` is false. */
  readonly resizeWidth: number;
  /** Height to resize to; equals the source height when `resize` is false. */
  readonly resizeHeight: number;
  /** False when the source already has the resize size: no resampling at all. */
  readonly resize: boolean;
  /** The centre region to keep after resizing; absent when the resized image is the output. */
  readonly crop?: Region;
}

/**
 * Plans the resize of a `sourceWidth`×`sourceHeight` image for `prep`.
 *
 * 'shorter-crop' generalises "shorter side to S, centre-crop S·f" to any H×W: the image is scaled,
 * keeping its aspect ratio, to the smallest size covering round(H/f) × round(W/f) (for a square
 * input: the shorter side becomes round(size/f), the longer one floor(S·long/short), as torchvision
 * does), then the centre H×W is kept; an odd leftover pixel goes to the right/bottom margin.
 * 'stretch' resizes straight to H×W.
 */
export function planResize(sourceWidth: number, sourceHeight: number, prep: Pick<Preprocessing, 'width' | 'height' | 'resize' | 'cropFraction'>): ResizePlan {
  const { width, height } = prep;
  if (prep.resize === 'stretch') {
    return { resizeWidth: width, resizeHeight: height, resize: sourceWidth !== width || sourceHeight !== height };
  }
  const coverWidth = Math.max(width, Math.round(width / prep.cropFraction));
  const coverHeight = Math.max(height, Math.round(height / prep.cropFraction));
  let resizeWidth: number;
  let resizeHeight: number;
  // Compare coverHeight/sourceHeight with coverWidth/sourceWidth without division: the larger
  // ratio is the axis that binds, the other axis follows the aspect ratio (never below its cover).
  if (coverHeight * sourceWidth >= coverWidth * sourceHeight) {
    resizeHeight = coverHeight;
    resizeWidth = Math.max(coverWidth, Math.floor((sourceWidth * coverHeight) / sourceHeight));
  } else {
    resizeWidth = coverWidth;
    resizeHeight = Math.max(coverHeight, Math.floor((sourceHeight * coverWidth) / sourceWidth));
  }
  const resize = resizeWidth !== sourceWidth || resizeHeight !== sourceHeight;
  if (resizeWidth === width && resizeHeight === height) return { resizeWidth, resizeHeight, resize };
  const crop: Region = {
    left: Math.floor((resizeWidth - width) / 2),
    top: Math.floor((resizeHeight - height) / 2),
    width,
    height,
  };
  return { resizeWidth, resizeHeight, resize, crop };
}
