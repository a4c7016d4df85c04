// Brush regions are painted into a canvas at the image's own size (opaque white where painted,
// transparent elsewhere). The API reads a mask PNG as grey levels with alpha ignored, inside above 127,
// so the export is a strictly black-and-white opaque PNG with the canvas's anti-aliased edges decided.

export function createMask(width, height) {
  const mask = document.createElement('canvas');
  mask.width = width;
  mask.height = height;
  // The first getContext decides: masks are read back (bounds, export), so keep their pixels readable.
  mask.getContext('2d', { willReadFrequently: true });
  return mask;
}

/** Paints (or, with erase, clears) a round-capped segment of the given diameter in image pixels. */
export function strokeMask(mask, from, to, diameter, erase) {
  const context = mask.getContext('2d');
  context.save();
  context.globalCompositeOperation = erase ? 'destination-out' : 'source-over';
  context.strokeStyle = '#fff';
  context.fillStyle = '#fff';
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.lineWidth = diameter;
  context.beginPath();
  if (from.x === to.x && from.y === to.y) {
    context.arc(to.x, to.y, diameter / 2, 0, Math.PI * 2);
    context.fill();
  } else {
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }
  context.restore();
  // The overlay's tinted copy is redrawn only when the mask changed.
  mask.version = (mask.version ?? 0) + 1;
}

/** The painted pixels' bounding box {x0, y0, x1, y1}, or null when nothing is painted. */
export function maskBounds(mask) {
  const { width, height } = mask;
  const alpha = mask.getContext('2d', { willReadFrequently: true }).getImageData(0, 0, width, height).data;
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (alpha[(y * width + x) * 4 + 3] >= 128) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

export async function maskToPngBase64(mask) {
  const { width, height } = mask;
  const source = mask.getContext('2d', { willReadFrequently: true }).getImageData(0, 0, width, height).data;
  const binary = new ImageData(width, height);
  for (let i = 0; i < source.length; i += 4) {
    const inside = source[i + 3] >= 128 ? 255 : 0;
    binary.data[i] = binary.data[i + 1] = binary.data[i + 2] = inside;
    binary.data[i + 3] = 255;
  }
  const out = createMask(width, height);
  out.getContext('2d').putImageData(binary, 0, 0);
  const blob = await new Promise((resolve) => out.toBlob(resolve, 'image/png'));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/** The mask in one colour (for the overlay), cached per colour on the mask itself. */
export function tintedMask(mask, colour) {
  if (mask.tint?.colour === colour && mask.tint.version === mask.version) return mask.tint.canvas;
  const canvas = createMask(mask.width, mask.height);
  const context = canvas.getContext('2d');
  context.drawImage(mask, 0, 0);
  context.globalCompositeOperation = 'source-in';
  context.fillStyle = colour;
  context.fillRect(0, 0, canvas.width, canvas.height);
  mask.tint = { colour, version: mask.version, canvas };
  return canvas;
}
