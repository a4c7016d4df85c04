// The regions marked on the current image. Their order is the API's numbering: the K-th region is
// `regionK`, so deleting one renames those after it. Listeners hear every change.
import { firstFreeColour } from './colours.js';
import { maskToPngBase64 } from './brushMask.js';

let nextKey = 1;

export class RegionStore {
  #regions = [];
  #listeners = new Set();

  get all() {
    return this.#regions;
  }

  get count() {
    return this.#regions.length;
  }

  onChange(listener) {
    this.#listeners.add(listener);
  }

  nameOf(region) {
    return `region${this.#regions.indexOf(region) + 1}`;
  }

  nextColour() {
    return firstFreeColour(this.#regions.map((r) => r.colour));
  }

  /**
   * shape: {kind: 'box', box: [x0,y0,x1,y1]} | {kind: 'polygon', points: [[x,y],…]} | {kind: 'brush', mask: canvas, bounds}
   * | {kind: 'segment', rle, mask: canvas, bounds} (a mask the segmentation endpoints made, kept as their RLE).
   */
  add(shape) {
    const region = { key: nextKey++, colour: this.nextColour(), shape, description: null };
    this.#regions.push(region);
    this.#emit({ kind: 'added', region });
    return region;
  }

  remove(region) {
    const index = this.#regions.indexOf(region);
    if (index < 0) return;
    this.#regions.splice(index, 1);
    this.#emit({ kind: 'removed', region });
  }

  clear() {
    if (this.#regions.length === 0) return;
    this.#regions = [];
    this.#emit({ kind: 'cleared' });
  }

  /** Descriptions do not change which regions a conversation has, so they are their own kind of change. */
  describe(region, description) {
    region.description = description;
    this.#emit({ kind: 'described', region });
  }

  #emit(change) {
    for (const listener of this.#listeners) listener(change);
  }
}

/** The regions as the API takes them: box, polygon, or (brush strokes) a mask PNG at the image's size. */
export async function toApiRegions(regions) {
  return Promise.all(regions.map(async ({ shape }) => {
    switch (shape.kind) {
      case 'box':
        return { mask: { box: shape.box } };
      case 'polygon':
        return { mask: { polygon: [shape.points.flat()] } };
      case 'brush':
        return { mask: { png: await maskToPngBase64(shape.mask) } };
      case 'segment':
        return { mask: { rle: shape.rle } };
      default:
        throw new Error(`unknown region kind ${shape.kind}`);
    }
  }));
}
