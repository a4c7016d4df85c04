#!/usr/bin/env python3
"""Writes small images in the colour modes PIL distinguishes, plus what
ImageOps.exif_transpose(Image.open(f)).convert("RGB") gives for each (decode_cases.json), into
tests/Osprey.Engine.Tests/Imaging/Data.

Run with Debian's python3-pil 9.4 (the Pillow the reference fixtures were made with):
    apt-get install -y python3-pil python3-numpy
    /usr/bin/python3 scripts/generate-image-decode-cases.py
The tests only read the files this writes; neither they nor the product need Python."""
import base64, io, json, os, struct, zlib
import numpy as np
from PIL import Image, ImageOps

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Osprey.Engine.Tests", "Imaging", "Data"))
rng = np.random.default_rng(7)
W, H = 13, 9
cases = []


def add(name, note, supported=True):
    with Image.open(name) as im:
        mode = im.mode
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        # Mask semantics (no EXIF transpose): convert("L") then > 127.
        inside = (np.asarray(im.convert("L")) > 127).astype(np.uint8) if supported else None
    cases.append({"file": name, "pil_mode": mode, "note": note,
                  "supported": supported, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                  "rgb_base64": base64.b64encode(rgb.tobytes()).decode(),
                  "mask_inside_base64": None if inside is None else base64.b64encode(inside.tobytes()).decode()})


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(name, arr, bit_depth, colour_type):
    """PIL cannot write 16-bit RGB, so build the PNG by hand (filter 0 on every row)."""
    h, w = arr.shape[:2]
    rows = arr.astype(">u2" if bit_depth == 16 else "u1").reshape(h, -1)
    raw = b"".join(b"\x00" + r.tobytes() for r in rows)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, colour_type, 0, 0, 0)
    with open(name, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))


rgb = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
Image.fromarray(rgb, "RGB").save("rgb.png"); add("rgb.png", "8-bit RGB")
Image.fromarray(rgb[..., 0], "L").save("grey.png"); add("grey.png", "8-bit grey: replicated to R=G=B")
la = np.dstack([rgb[..., 0], rng.integers(0, 256, (H, W), dtype=np.uint8)])
Image.fromarray(la, "LA").save("grey_alpha.png"); add("grey_alpha.png", "grey + alpha: alpha dropped")
rgba = np.dstack([rgb, rng.integers(0, 256, (H, W), dtype=np.uint8)])
rgba[0, :, 3] = 0  # fully transparent row with non-zero colour: must survive (no compositing, no premultiply)
rgba[1, :, 3] = 1
Image.fromarray(rgba, "RGBA").save("rgba.png"); add("rgba.png", "RGBA with transparent pixels: alpha dropped, colours kept")
pal = Image.fromarray(rgb, "RGB").quantize(colors=16)
pal.save("palette.png"); add("palette.png", "palette")
pal.info["transparency"] = 3
pal.save("palette_trns.png", transparency=3); add("palette_trns.png", "palette with a transparent index")
Image.fromarray(rgb[..., 1] > 127).convert("1").save("bilevel.png"); add("bilevel.png", "1-bit")
raw_png("rgb16.png", rng.integers(0, 65536, (H, W, 3)), 16, 2); add("rgb16.png", "16-bit RGB: PIL keeps the high byte")
grey16 = rng.integers(0, 65536, (H, W))
grey16[0, :W] = np.arange(W) * 40  # small values: PIL's I -> RGB clamps instead of scaling
raw_png("grey16.png", grey16, 16, 0); add("grey16.png", "16-bit grey: PIL opens it as I and its I -> RGB clamps each sample to 0..255")
# Row 0 of each 16-bit image below holds the samples where the rules part: clamping (grey) against the
# high byte (every other mode, which PIL opens as 8-bit RGB(A) through the ;16B raw modes), never rounding.
edges = np.array([0, 127, 128, 255, 256, 257, 383, 1000, 32767, 32768, 65280, 65534, 65535])
grey16_edges = rng.integers(0, 65536, (H, W)); grey16_edges[0] = edges
raw_png("grey16_edges.png", grey16_edges, 16, 0); add("grey16_edges.png", "16-bit grey at the clamp's edges")
# Written by Pillow itself, whose encoder picks a row filter per row (the files above use none).
grey16_smooth = (np.add.outer(np.arange(H) * 3000, np.arange(W) * 150) + rng.integers(0, 300, (H, W))).astype(np.uint16)
grey16_smooth[0, :W] = edges
Image.fromarray(grey16_smooth, "I;16").save("grey16_filtered.png"); add("grey16_filtered.png", "16-bit grey written by Pillow, with row filters")
grey_alpha16 = rng.integers(0, 65536, (H, W, 2)); grey_alpha16[0, :, 0] = edges; grey_alpha16[1, :, 1] = 0
raw_png("grey_alpha16.png", grey_alpha16, 16, 4); add("grey_alpha16.png", "16-bit grey + alpha: PIL opens it as RGBA with the high byte, alpha dropped")
rgb16_edges = rng.integers(0, 65536, (H, W, 3)); rgb16_edges[0] = edges[:, None]
raw_png("rgb16_edges.png", rgb16_edges, 16, 2); add("rgb16_edges.png", "16-bit RGB: the high byte, not rounded")
rgba16 = rng.integers(0, 65536, (H, W, 4)); rgba16[0, :, :3] = edges[:, None]; rgba16[1, :, 3] = 0
raw_png("rgba16.png", rgba16, 16, 6); add("rgba16.png", "16-bit RGBA: the high byte, alpha dropped without compositing")
jpeg_src = Image.fromarray(rgb, "RGB")
for orientation in range(1, 9):
    exif = Image.Exif()
    exif[0x0112] = orientation
    name = f"orient{orientation}.jpg"
    jpeg_src.save(name, quality=95, subsampling=0, exif=exif.tobytes())
    add(name, f"JPEG 4:4:4 with EXIF orientation {orientation}")
jpeg_src.save("subsampled420.jpg", quality=80, subsampling=2); add("subsampled420.jpg", "JPEG 4:2:0 (fancy upsampling)")
Image.fromarray(rgb[..., 2], "L").save("grey.jpg", quality=90); add("grey.jpg", "greyscale JPEG")

with open("decode_cases.json", "w") as f:
    json.dump({"generator": "scripts/generate-image-decode-cases.py, Pillow " + Image.__version__, "cases": cases}, f, indent=1)
