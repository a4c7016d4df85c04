// Masks from the segmentation endpoints arrive as compressed COCO RLE: run lengths of alternating
// outside/inside pixels in column-major order, each run written as 5-bit groups in characters from '0'
// (0x30), and from the third run on as the difference to the run two before. Decoded here into a mask
// canvas like a brush's (opaque white inside, transparent outside), so it is drawn the same way; the
// RLE itself is what the API gets back as the region.
import { createMask } from './brushMask.js';

/** Compressed counts string → run lengths. */
export function decodeCounts(text) {
  const counts = [];
  let p = 0;
  while (p < text.length) {
    let value = 0;
    let shift = 0;
    let more = true;
    while (more) {
      const c = text.charCodeAt(p++) - 48;
      value |= (c & 0x1f) << shift;
      more = (c & 0x20) !== 0;
      shift += 5;
      if (!more && (c & 0x10)) value |= -1 << shift;
    }
    if (counts.length > 2) value += counts[counts.length - 2];
    counts.push(value);
  }
  return counts;
}

/** {size: [h, w], counts} → {mask: canvas, bounds: {x0, y0, x1, y1} | null, area}. */
export function rleToMask(rle) {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === 'string' ? decodeCounts(rle.counts) : rle.counts;
  const mask = createMask(width, height);
  const context = mask.getContext('2d', { willReadFrequently: true });
  const pixels = context.createImageData(width, height);
  let x0 = width, y0 = height, x1 = -1, y1 = -1, area = 0;
  let index = 0;
  counts.forEach((run, i) => {
    if (i % 2 === 1) {
      for (let k = index; k < index + run; k++) {
        const x = Math.floor(k / height);
        const y = k % height;
        const o = (y * width + x) * 4;
        pixels.data[o] = pixels.data[o + 1] = pixels.data[o + 2] = pixels.data[o + 3] = 255;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
      area += run;
    }
    index += run;
  });
  context.putImageData(pixels, 0, 0);
  mask.version = 1;
  return { mask, bounds: x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 }, area };
}
