#!/usr/bin/env python3
"""Generates coco_reference_cases.json: polygons, boxes and RLE strings rasterised by the
pycocotools C core (common/maskApi.c of github.com/cocodataset/cocoapi), driven the way
pycocotools.mask does it: frPyObjects (rleFrPoly per polygon, rleFrBbox for [x,y,w,h]),
merge (rleMerge, union), decode (rleDecode), area (rleArea), encode (rleEncode + rleToString).

Debian has no python3-pycocotools, so this script compiles the upstream C file itself:
    python3 generate_reference_cases.py /path/to/cocoapi/common
The tests only read the JSON; nothing in the product uses Python."""
import ctypes, json, os, random, subprocess, sys, tempfile

common = sys.argv[1]
lib_path = os.path.join(tempfile.mkdtemp(), "libmaskapi.so")
subprocess.check_call(["gcc", "-O2", "-shared", "-fPIC", "-o", lib_path, os.path.join(common, "maskApi.c"), "-lm"])
lib = ctypes.CDLL(lib_path)
siz = ctypes.c_ulong


class RLE(ctypes.Structure):
    _fields_ = [("h", siz), ("w", siz), ("m", siz), ("cnts", ctypes.POINTER(ctypes.c_uint))]


lib.rleToString.restype = ctypes.c_void_p
lib.rleFrPoly.argtypes = [ctypes.POINTER(RLE), ctypes.POINTER(ctypes.c_double), siz, siz, siz]
lib.rleFrBbox.argtypes = [ctypes.POINTER(RLE), ctypes.POINTER(ctypes.c_double), siz, siz, siz]
lib.rleMerge.argtypes = [ctypes.POINTER(RLE), ctypes.POINTER(RLE), siz, ctypes.c_int]
lib.rleDecode.argtypes = [ctypes.POINTER(RLE), ctypes.POINTER(ctypes.c_ubyte), siz]
lib.rleEncode.argtypes = [ctypes.POINTER(RLE), ctypes.POINTER(ctypes.c_ubyte), siz, siz, siz]
lib.rleFrString.argtypes = [ctypes.POINTER(RLE), ctypes.c_char_p, siz, siz]
lib.rleArea.argtypes = [ctypes.POINTER(RLE), siz, ctypes.POINTER(ctypes.c_uint)]
lib.rleToString.argtypes = [ctypes.POINTER(RLE)]


def counts(r):
    return [r.cnts[i] for i in range(r.m)]


def to_string(r):
    return ctypes.string_at(lib.rleToString(ctypes.byref(r))).decode()


def rows(r, h, w):
    """rleDecode writes column-major; return row-major strings of 0/1."""
    buf = (ctypes.c_ubyte * (h * w))()
    lib.rleDecode(ctypes.byref(r), buf, 1)
    return ["".join(str(buf[x * h + y]) for x in range(w)) for y in range(h)]


def result(r, h, w):
    area = ctypes.c_uint()
    lib.rleArea(ctypes.byref(r), 1, ctypes.byref(area))
    return {"counts": counts(r), "rle_string": to_string(r), "area": area.value, "mask_rows": rows(r, h, w)}


def merged(rles):
    """pycocotools.mask.merge of the per-polygon RLEs (a copy when there is one)."""
    arr = (RLE * len(rles))(*rles)
    out = RLE()
    lib.rleMerge(arr, ctypes.byref(out), len(rles), 0)
    return out


def polygons_case(name, h, w, polys, note):
    rles = []
    for p in polys:
        r = RLE()
        lib.rleFrPoly(ctypes.byref(r), (ctypes.c_double * len(p))(*p), len(p) // 2, h, w)
        rles.append(r)
    return {"name": name, "note": note, "height": h, "width": w, "polygons": polys, **result(merged(rles), h, w)}


def box_case(name, h, w, xyxy, note):
    """Box corners as the polygon rleFrBbox builds from [x, y, x1 - x, y1 - y]."""
    x0, y0, x1, y1 = xyxy
    poly = polygons_case(name, h, w, [[x0, y0, x0, y1, x1, y1, x1, y0]], note)
    r = RLE()
    bb = (ctypes.c_double * 4)(x0, y0, x1 - x0, y1 - y0)
    lib.rleFrBbox(ctypes.byref(r), bb, h, w, 1)
    via_bbox = result(r, h, w)
    poly.pop("polygons")
    poly["box_xyxy"] = xyxy
    poly["frBbox_xywh_same_mask"] = via_bbox["mask_rows"] == poly["mask_rows"]
    return poly


def mask_case(name, h, w, row_strings, note):
    col_major = (ctypes.c_ubyte * (h * w))(*[int(row_strings[y][x]) for x in range(w) for y in range(h)])
    r = RLE()
    lib.rleEncode(ctypes.byref(r), col_major, h, w, 1)
    out = result(r, h, w)
    back = RLE()
    lib.rleFrString(ctypes.byref(back), out["rle_string"].encode(), h, w)
    assert counts(back) == out["counts"]
    return {"name": name, "note": note, "height": h, "width": w, **out}


rng = random.Random(11)
polys = [
    polygons_case("triangle", 8, 10, [[1, 1, 8, 2, 3, 7]], "integer triangle"),
    polygons_case("square_int", 6, 6, [[1, 1, 4, 1, 4, 4, 1, 4]], "axis-aligned integer square"),
    polygons_case("concave_L", 10, 9, [[1, 1, 7, 1, 7, 3, 3, 3, 3, 8, 1, 8]], "concave L shape"),
    polygons_case("star", 20, 20, [[10, 1, 12.5, 7.5, 19, 7.5, 14, 12, 16, 19, 10, 15, 4, 19, 6, 12, 1, 7.5, 7.5, 7.5]], "concave star, fractional"),
    polygons_case("fractional", 9, 11, [[0.3, 0.7, 9.6, 1.2, 8.45, 7.9, 2.1, 6.55]], "fractional quad"),
    polygons_case("out_of_bounds", 7, 8, [[-3, -2, 6, -1.5, 12, 5, 2, 11]], "partly outside on every side"),
    polygons_case("negative_fraction", 6, 6, [[-0.3, -0.1, 4.2, -0.2, 4.4, 3.7, -0.25, 3.9]], "negative fractional vertices (truncation toward zero)"),
    polygons_case("outside", 5, 5, [[10, 10, 15, 10, 12, 14]], "entirely outside: empty"),
    polygons_case("subpixel", 6, 6, [[2.1, 2.1, 2.4, 2.1, 2.3, 2.4]], "sub-pixel triangle"),
    polygons_case("bowtie", 10, 10, [[1, 1, 8, 8, 8, 1, 1, 8]], "self-intersecting"),
    polygons_case("two_overlapping", 10, 12, [[1, 1, 6, 1, 6, 6, 1, 6], [4, 3, 10, 3, 10, 9, 4, 9]], "union of two overlapping squares"),
    polygons_case("two_disjoint", 8, 12, [[0.5, 0.5, 3.5, 0.5, 2, 4], [7, 2, 11, 2.5, 9, 7.5]], "union of two disjoint triangles"),
    polygons_case("clockwise", 8, 8, [[1, 1, 1, 6, 6, 6, 6, 1]], "clockwise vertex order"),
    polygons_case("steep_and_flat", 16, 7, [[0.2, 0.4, 6.7, 1.3, 5.1, 15.6, 3.3, 9.2]], "mixed steep/flat edges"),
    polygons_case("random_big", 40, 50, [[rng.uniform(-5, 55) if i % 2 == 0 else rng.uniform(-5, 45) for i in range(24)]], "12 random vertices, some outside"),
    polygons_case("full_cover", 5, 7, [[-1, -1, 8, -1, 8, 6, -1, 6]], "covers the whole image"),
]
boxes = [
    box_case("box_int", 6, 8, [1, 1, 4, 3], "integer corners"),
    box_case("box_frac", 9, 9, [0.4, 1.6, 6.5, 7.49], "fractional corners"),
    box_case("box_oob", 6, 7, [-2, -3, 4, 10], "partly outside"),
    box_case("box_full", 4, 5, [0, 0, 5, 4], "exactly the image"),
    box_case("box_tiny", 5, 5, [2.2, 2.2, 2.4, 2.4], "inside one pixel, no centre covered"),
]
masks = [
    mask_case("mask_first_pixel_set", 3, 4, ["1001", "0110", "1111"], "first count is 0"),
    mask_case("mask_empty", 4, 3, ["000", "000", "000", "000"], "empty mask: one run"),
    mask_case("mask_full", 3, 3, ["111", "111", "111"], "full mask: [0, 9]"),
    mask_case("mask_random", 23, 31, ["".join("1" if rng.random() < 0.4 else "0" for _ in range(31)) for _ in range(23)], "random: many short runs, negative deltas"),
    mask_case("mask_long_runs", 64, 48, ["".join("1" if (x - 20) ** 2 + (y - 30) ** 2 < 300 or x > 44 else "0" for x in range(48)) for y in range(64)], "long runs: multi-character counts"),
]
with open("coco_reference_cases.json", "w") as f:
    json.dump({"generator": "generate_reference_cases.py over cocoapi common/maskApi.c", "polygons": polys, "boxes": boxes, "masks": masks}, f, indent=1)
print(len(polys), len(boxes), len(masks))
