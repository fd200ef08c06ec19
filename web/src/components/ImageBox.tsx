// A thumbnail of a recorded image with optional region boxes drawn over it. Boxes are in
// model-input pixels; the overlay uses percentages of the input size so any display size works.
import type { Box as RegionBox } from '../contract.js';
import { imageUrl } from '../data.js';

/** A region in model-input pixels, with an optional caption. */
export interface Box extends RegionBox {
  label?: string;
}

export function ImageBox(props: {
  index: number;
  size?: readonly [number, number];
  boxes?: readonly Box[];
  alt?: string;
  testId?: string;
  px?: number;
}) {
  const [h, w] = props.size ?? [1, 1];
  const px = props.px ?? 96;
  return (
    <span className="image-box" style={{ width: px, height: px }}>
      <img src={imageUrl(props.index)} alt={props.alt ?? `image ${props.index}`} loading="lazy" data-testid={props.testId ?? 'thumb'} width={px} height={px} />
      {props.size &&
        (props.boxes ?? []).map((b, i) => (
          <span
            key={i}
            className="region"
            data-testid="region-box"
            title={b.label}
            style={{ left: `${(100 * b.x) / w}%`, top: `${(100 * b.y) / h}%`, width: `${(100 * b.width) / w}%`, height: `${(100 * b.height) / h}%` }}
          />
        ))}
    </span>
  );
}
