// The drawing tools. Box: drag a rectangle. Polygon: click points, then double-click, Enter or "Add
// region" closes it; Escape drops it. Brush: paint (or erase) with a round brush, then "Add region" (or
// Enter) adds it. Click: each click adds a foreground point (shift-click a background one) and the
// server's Segment Anything mask for all the clicks so far is previewed; "Add region" (or Enter) adds it.
// Each tool keeps its unfinished shape as the draft, which the canvas shows dashed.
import { createMask, strokeMask, maskBounds } from './brushMask.js';
import { rleToMask } from './rle.js';

const HINTS = {
  box: 'Drag on the image to draw a box around a region.',
  polygon: 'Click the corners of the region; double-click, press Enter or “Add region” to close it, Escape to start over.',
  brush: 'Paint over the region (switch to Erase to correct it), then press “Add region” or Enter.',
  click: 'Click on an object to select it (shift-click to mark what is not part of it), then press “Add region” or Enter.',
};

// Two clicks closer than this (screen pixels) are the two halves of a double-click, not two corners.
const SAME_POINT = 4;

export class RegionTools {
  #view;
  #store;
  #onDraftChange;
  tool = 'box';
  brushSize = 24;
  erase = false;
  draft = null;
  pointer = null;
  #drag = null;
  #segment;
  #onSegmentProblem;
  #preview = null;

  /**
   * segment(points, signal) resolves with the mask {rle, score, area} for clicks [[x, y, label], …] (or null);
   * onSegmentProblem(error | null) shows (or clears) why a preview failed.
   */
  constructor(view, store, onDraftChange, { segment, onSegmentProblem }) {
    this.#view = view;
    this.#store = store;
    this.#onDraftChange = onDraftChange;
    this.#segment = segment;
    this.#onSegmentProblem = onSegmentProblem;
    const canvas = view.canvas;
    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', () => this.#cancelDrag());
    canvas.addEventListener('pointerleave', () => {
      this.pointer = null;
      this.#changed();
    });
    canvas.addEventListener('dblclick', (e) => {
      e.preventDefault();
      if (this.tool === 'polygon') this.finish();
    });
  }

  get hint() {
    return HINTS[this.tool];
  }

  select(tool) {
    if (tool === this.tool) return;
    this.#cancelPreview();
    this.draft = null;
    this.tool = tool;
    this.#changed();
  }

  /** Enter: close the polygon or add the painted brush region. */
  finish() {
    const draft = this.draft;
    if (!draft) return false;
    if (draft.kind === 'polygon') {
      if (draft.points.length < 3) return false;
      this.#store.add({ kind: 'polygon', points: draft.points });
    } else if (draft.kind === 'brush') {
      const bounds = maskBounds(draft.mask);
      if (!bounds) return false;
      this.#store.add({ kind: 'brush', mask: draft.mask, bounds });
    } else if (draft.kind === 'clicks') {
      if (!draft.preview?.bounds || draft.pending) return false;
      const { rle, mask, bounds } = draft.preview;
      this.#store.add({ kind: 'segment', rle, mask, bounds });
    } else {
      return false;
    }
    this.draft = null;
    this.#changed();
    return true;
  }

  /** Escape (or "Clear"): drop the unfinished shape. */
  discard() {
    if (!this.draft) return;
    this.#cancelPreview();
    this.draft = null;
    this.#changed();
  }

  get canFinish() {
    if (this.draft?.kind === 'polygon') return this.draft.points.length >= 3;
    if (this.draft?.kind === 'clicks') return Boolean(this.draft.preview?.bounds) && !this.draft.pending;
    return this.draft?.kind === 'brush' && this.draft.painted;
  }

  #down(event) {
    if (!this.#view.image || event.button !== 0) return;
    const point = this.#view.toImage(event);
    if (this.tool === 'box') {
      this.#view.canvas.setPointerCapture(event.pointerId);
      this.#drag = point;
      this.draft = { kind: 'box', box: boxOf(point, point) };
    } else if (this.tool === 'polygon') {
      this.#addCorner(point);
    } else if (this.tool === 'click') {
      this.#addClick(point, !event.shiftKey);
    } else if (this.tool === 'brush') {
      this.#view.canvas.setPointerCapture(event.pointerId);
      const image = this.#view.image;
      if (this.draft?.kind !== 'brush') this.draft = { kind: 'brush', mask: createMask(image.width, image.height), painted: false };
      this.#drag = point;
      this.#paint(point, point);
    }
    this.#changed();
  }

  #move(event) {
    if (!this.#view.image) return;
    const point = this.#view.toImage(event);
    this.pointer = point;
    if (this.#drag && this.tool === 'box') {
      this.draft = { kind: 'box', box: boxOf(this.#drag, point) };
    } else if (this.#drag && this.tool === 'brush') {
      this.#paint(this.#drag, point);
      this.#drag = point;
    }
    this.#changed();
  }

  #up(event) {
    if (!this.#drag) return;
    const start = this.#drag;
    this.#drag = null;
    if (this.tool === 'box') {
      const end = this.#view.toImage(event);
      const box = boxOf(start, end);
      this.draft = null;
      // A click without a drag is no box.
      if (box[2] - box[0] >= 1 && box[3] - box[1] >= 1) this.#store.add({ kind: 'box', box });
    }
    this.#changed();
  }

  #cancelDrag() {
    this.#drag = null;
    if (this.draft?.kind === 'box') this.draft = null;
    this.#changed();
  }

  #addCorner(point) {
    if (this.draft?.kind !== 'polygon') this.draft = { kind: 'polygon', points: [] };
    const points = this.draft.points;
    const last = points[points.length - 1];
    const near = last && Math.hypot(last[0] - point.x, last[1] - point.y) * this.#view.scale < SAME_POINT;
    if (!near) points.push([round(point.x), round(point.y)]);
  }

  #addClick(point, foreground) {
    if (this.draft?.kind !== 'clicks') this.draft = { kind: 'clicks', points: [], preview: null, pending: false };
    this.draft.points.push([round(point.x), round(point.y), foreground ? 1 : 0]);
    this.#requestPreview(this.draft);
  }

  /** Asks for the mask of all the draft's clicks; an answer to an older set of clicks is dropped. */
  async #requestPreview(draft) {
    this.#cancelPreview();
    const controller = new AbortController();
    this.#preview = controller;
    draft.pending = true;
    this.#view.canvas.dataset.segmenting = 'true';
    try {
      const found = await this.#segment(draft.points.map((p) => [...p]), controller.signal);
      if (controller.signal.aborted) return;
      draft.preview = found ? { rle: found.rle, ...rleToMask(found.rle) } : null;
      this.#onSegmentProblem(null);
    } catch (failure) {
      if (controller.signal.aborted || failure.name === 'AbortError') return;
      draft.preview = null;
      this.#onSegmentProblem(failure);
    }
    draft.pending = false;
    this.#preview = null;
    delete this.#view.canvas.dataset.segmenting;
    this.#changed();
  }

  #cancelPreview() {
    this.#preview?.abort();
    this.#preview = null;
    delete this.#view.canvas.dataset.segmenting;
  }

  #paint(from, to) {
    const diameter = this.brushSize / this.#view.scale;
    strokeMask(this.draft.mask, from, to, diameter, this.erase);
    if (!this.erase) this.draft.painted = true;
  }

  #changed() {
    this.#onDraftChange();
  }
}

function boxOf(a, b) {
  return [Math.round(Math.min(a.x, b.x)), Math.round(Math.min(a.y, b.y)), Math.round(Math.max(a.x, b.x)), Math.round(Math.max(a.y, b.y))];
}

function round(value) {
  return Math.round(value * 10) / 10;
}
