#!/usr/bin/env python3
"""Writes small images in the colour modes PIL distinguishes, plus what
ImageOps.exif_transpose(Image.open(f)).convert("RGB") gives for each (decode_cases.json).

Run with Debian's python3-pil 9.4 (the Pillow the reference fixtures were made with):
    /usr/bin/python3 generate_decode_cases.py
The tests only read the files this writes."""
import base64, io, json, struct, zlib
import numpy as np
from PIL import Image, ImageOps

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
raw_png("grey16.png", grey16, 16, 0); add("grey16.png", "16-bit grey: PIL opens it as I and clamps to 0..255; Skia keeps only the high byte, so the decoder refuses it", supported=False)
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
    json.dump({"generator": "generate_decode_cases.py, Pillow " + Image.__version__, "cases": cases}, f, indent=1)
