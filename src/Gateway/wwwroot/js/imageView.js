// The image canvas: shows the whole image with its aspect ratio kept (the canvas box has the image's
// proportions, so a point at a fraction of the box is the same fraction of the image), scaled to fit the
// stage, and draws the regions over it. Coordinates leaving this module are image pixels.
import { tintedMask } from './brushMask.js';

const OVERLAY_ALPHA = 0.38;

export class ImageView {
  #canvas;
  #stage;
  #image = null;
  #scale = 1;
  #draw = () => {};
  #frame = 0;

  constructor(canvas, stage) {
    this.#canvas = canvas;
    this.#stage = stage;
    new ResizeObserver(() => this.#fit()).observe(stage);
    window.addEventListener('resize', () => this.#fit());
  }

  get canvas() {
    return this.#canvas;
  }

  get image() {
    return this.#image;
  }

  /** Screen pixels per image pixel. */
  get scale() {
    return this.#scale;
  }

  /** image: an ImageBitmap; draw(context, view) paints the overlays in image coordinates. */
  show(image, draw) {
    this.#image = image;
    this.#draw = draw;
    this.#canvas.hidden = false;
    this.#fit();
  }

  /** A pointer event's position in image pixels, clamped to the image. */
  toImage(event) {
    const box = this.#canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * this.#image.width;
    const y = ((event.clientY - box.top) / box.height) * this.#image.height;
    return { x: clamp(x, 0, this.#image.width), y: clamp(y, 0, this.#image.height) };
  }

  /** Redraws on the next frame (many pointer moves make one redraw). */
  invalidate() {
    if (!this.#image || this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#render();
    });
  }

  #fit() {
    if (!this.#image) return;
    const { width, height } = this.#image;
    const available = this.#stage.clientWidth;
    // On a wide screen the image fits the stage the layout gives it; on a phone the page scrolls instead.
    const stacked = window.matchMedia('(max-width: 900px)').matches;
    const maxHeight = stacked ? window.innerHeight * 0.75 : Math.max(200, this.#stage.clientHeight);
    this.#scale = Math.min(available / width, maxHeight / height);
    const cssWidth = Math.max(1, Math.floor(width * this.#scale));
    const cssHeight = Math.max(1, Math.round((cssWidth / width) * height));
    this.#scale = cssWidth / width;
    this.#canvas.style.width = `${cssWidth}px`;
    this.#canvas.style.height = `${cssHeight}px`;
    const ratio = window.devicePixelRatio || 1;
    this.#canvas.width = Math.round(cssWidth * ratio);
    this.#canvas.height = Math.round(cssHeight * ratio);
    this.#render();
  }

  #render() {
    const context = this.#canvas.getContext('2d');
    const image = this.#image;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    // Enlarged small images stay sharp (their pixels are what the regions are drawn against).
    context.imageSmoothingEnabled = this.#scale < 1;
    context.imageSmoothingQuality = 'high';
    context.drawImage(image, 0, 0, this.#canvas.width, this.#canvas.height);
    const toCanvas = this.#canvas.width / image.width;
    context.setTransform(toCanvas, 0, 0, toCanvas, 0, 0);
    this.#draw(context, this);
  }

  /** Line widths and label sizes are given in screen pixels; drawing happens in image pixels. */
  screen(pixels) {
    return pixels / this.#scale;
  }
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

/** Draws one region's overlay: a semi-transparent fill in its colour, an outline, and its name. */
export function drawRegion(context, view, shape, colour, name, { draft = false } = {}) {
  context.save();
  context.fillStyle = colour;
  context.strokeStyle = colour;
  context.lineWidth = view.screen(2);
  if (draft) context.setLineDash([view.screen(6), view.screen(4)]);
  let label;
  switch (shape.kind) {
    case 'box': {
      const [x0, y0, x1, y1] = shape.box;
      context.globalAlpha = OVERLAY_ALPHA;
      context.fillRect(x0, y0, x1 - x0, y1 - y0);
      context.globalAlpha = 1;
      context.strokeRect(x0, y0, x1 - x0, y1 - y0);
      label = { x: x0, y: y0 };
      break;
    }
    case 'polygon': {
      const points = shape.points;
      context.beginPath();
      points.forEach(([x, y], i) => (i === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
      if (!draft) context.closePath();
      context.globalAlpha = OVERLAY_ALPHA;
      if (points.length > 2) context.fill();
      context.globalAlpha = 1;
      context.stroke();
      if (draft) {
        for (const [x, y] of points) {
          context.beginPath();
          context.arc(x, y, view.screen(3.5), 0, Math.PI * 2);
          context.fill();
        }
      }
      // Above the topmost corner: a polygon's bounding-box corner can lie far outside the shape.
      const [topX, topY] = points.reduce((top, p) => (p[1] < top[1] ? p : top));
      label = { x: topX, y: topY, centred: true };
      break;
    }
    case 'brush':
    case 'segment': {
      context.globalAlpha = draft ? 0.5 : OVERLAY_ALPHA + 0.12;
      context.imageSmoothingEnabled = false;
      context.drawImage(tintedMask(shape.mask, colour), 0, 0);
      label = shape.bounds ? { x: shape.bounds.x0, y: shape.bounds.y0 } : null;
      break;
    }
    case 'clicks': {
      // The preview mask (once it has come back), then the clicks: filled for foreground, hollow for background.
      if (shape.preview) {
        context.globalAlpha = 0.5;
        context.imageSmoothingEnabled = false;
        context.drawImage(tintedMask(shape.preview.mask, colour), 0, 0);
        context.globalAlpha = 1;
      }
      context.setLineDash([]);
      for (const [x, y, foreground] of shape.points) {
        context.beginPath();
        context.arc(x, y, view.screen(4.5), 0, Math.PI * 2);
        context.fillStyle = foreground ? colour : '#fff';
        context.fill();
        context.strokeStyle = foreground ? '#fff' : '#111';
        context.lineWidth = view.screen(1.5);
        context.stroke();
      }
      label = null;
      break;
    }
  }
  context.restore();
  if (name && label) drawLabel(context, view, name, colour, label);
}

function drawLabel(context, view, name, colour, { x, y, centred = false }) {
  context.save();
  const size = view.screen(12);
  context.font = `600 ${size}px system-ui, sans-serif`;
  const padding = view.screen(4);
  const width = context.measureText(name).width + padding * 2;
  const height = size + padding * 1.5;
  // Above the region when there is room, inside its top edge otherwise.
  const top = y - height >= 0 ? y - height : y;
  const left = Math.min(Math.max(0, centred ? x - width / 2 : x), view.image.width - width);
  context.fillStyle = colour;
  context.globalAlpha = 0.92;
  context.fillRect(left, top, width, height);
  context.globalAlpha = 1;
  context.fillStyle = '#fff';
  context.textBaseline = 'middle';
  context.fillText(name, left + padding, top + height / 2);
  context.restore();
}
