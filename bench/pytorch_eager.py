#!/usr/bin/env python3
"""PyTorch-eager yardstick for `osprey bench` (benchmark only; nothing in the product uses Python).

Runs the bench model's weights and shapes the way the official Osprey code runs them (plain eager
PyTorch ops, a KV cache grown by concatenation as in Hugging Face transformers) and prints one JSON
object of timings in milliseconds. Reads the model directory `osprey bench` writes: config.json and
model.safetensors (F32, published Osprey tensor names).
"""
import argparse, json, math, os, struct, sys, time

import numpy as np
import torch
import torch.nn.functional as F

# The published names -> module names rewrite of the engine's checkpoint name map (longest prefix first).
NAME_RULES = [
    ("model.vision_tower.vision_tower.visual.trunk.", "vision_trunk."),
    ("model.mm_projector.", "mm_projector."),
    ("mask_extractor.", "mask_extractor."),
    ("lm_head.", "llm.lm_head."),
    ("model.", "llm.model."),
]


def module_name(name):
    for prefix, module in NAME_RULES:
        if name.startswith(prefix):
            return module + name[len(prefix):]
    return name


def read_safetensors(path):
    """Maps the file (copy-on-write) instead of reading it, so F32 weights cost no second copy."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="c", offset=8 + n)
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise SystemExit(f"{name}: expected F32, found {e['dtype']}")
        a, b = e["data_offsets"]
        out[module_name(name)] = torch.from_numpy(data[a:b].view(np.float32).reshape(e["shape"]))
    return out


def channel_ln(x, w, b, eps):
    return F.layer_norm(x.permute(0, 2, 3, 1), (x.shape[1],), w, b, eps).permute(0, 3, 1, 2)


def convnext(x, W, dims, depths, eps):
    p = "vision_trunk."
    x = F.conv2d(x, W[p + "stem.0.weight"], W[p + "stem.0.bias"], stride=4)
    x = channel_ln(x, W[p + "stem.1.weight"], W[p + "stem.1.bias"], eps)
    outs = []
    for s in range(4):
        q = f"{p}stages.{s}."
        if s > 0:
            x = channel_ln(x, W[q + "downsample.0.weight"], W[q + "downsample.0.bias"], eps)
            x = F.conv2d(x, W[q + "downsample.1.weight"], W[q + "downsample.1.bias"], stride=2)
        for b in range(depths[s]):
            r = f"{q}blocks.{b}."
            y = F.conv2d(x, W[r + "conv_dw.weight"], W[r + "conv_dw.bias"], padding=3, groups=dims[s])
            y = y.permute(0, 2, 3, 1)
            y = F.layer_norm(y, (dims[s],), W[r + "norm.weight"], W[r + "norm.bias"], eps)
            y = F.linear(y, W[r + "mlp.fc1.weight"], W[r + "mlp.fc1.bias"])
            y = F.gelu(y)
            y = F.linear(y, W[r + "mlp.fc2.weight"], W[r + "mlp.fc2.bias"])
            y = y * W[r + "gamma"]
            x = x + y.permute(0, 3, 1, 2)
        outs.append(x)
    return outs


def encode_image(pix, W, vc):
    """Trunk, then the mlp2x_gelu projector over res4 (what the engine's EncodeImage times)."""
    levels = convnext(pix, W, vc["dims"], vc["depths"], vc.get("layer_norm_eps", 1e-6))
    res4 = levels[2].flatten(2).transpose(1, 2)[0]
    h = F.gelu(F.linear(res4, W["mm_projector.0.weight"], W["mm_projector.0.bias"]))
    return F.linear(h, W["mm_projector.2.weight"], W["mm_projector.2.bias"])


def rms(x, w, eps):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * w


def rope(t, pos, theta):
    d = t.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2).float() / d))
    f = torch.outer(pos.float(), inv)
    emb = torch.cat([f, f], -1)
    cos, sin = emb.cos().to(t.dtype), emb.sin().to(t.dtype)
    half = d // 2
    rot = torch.cat([-t[..., half:], t[..., :half]], -1)
    return t * cos + rot * sin


def llama(x, W, cfg, cache, start):
    """One sequence [T, H] through the decoder; cache maps layer -> (K, V). Returns last-position logits."""
    H, nh, nkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = H // nh
    T = x.shape[0]
    pos = torch.arange(start, start + T)
    for i in range(cfg["num_hidden_layers"]):
        p = f"llm.model.layers.{i}."
        h = rms(x, W[p + "input_layernorm.weight"], cfg["rms_norm_eps"])
        q = F.linear(h, W[p + "self_attn.q_proj.weight"]).view(T, nh, hd).transpose(0, 1)
        k = F.linear(h, W[p + "self_attn.k_proj.weight"]).view(T, nkv, hd).transpose(0, 1)
        v = F.linear(h, W[p + "self_attn.v_proj.weight"]).view(T, nkv, hd).transpose(0, 1)
        q, k = rope(q, pos, cfg["rope_theta"]), rope(k, pos, cfg["rope_theta"])
        if i in cache:
            k = torch.cat([cache[i][0], k], 1)
            v = torch.cat([cache[i][1], v], 1)
        cache[i] = (k, v)
        rep = nh // nkv
        kk, vv = (k, v) if rep == 1 else (k.repeat_interleave(rep, 0), v.repeat_interleave(rep, 0))
        s = q @ kk.transpose(1, 2) / math.sqrt(hd)
        L = kk.shape[1]
        mask = torch.full((T, L), float("-inf")).triu(L - T + 1)
        a = torch.softmax((s + mask).float(), -1).to(q.dtype) @ vv
        x = x + F.linear(a.transpose(0, 1).reshape(T, H), W[p + "self_attn.o_proj.weight"])
        h = rms(x, W[p + "post_attention_layernorm.weight"], cfg["rms_norm_eps"])
        g = F.silu(F.linear(h, W[p + "mlp.gate_proj.weight"])) * F.linear(h, W[p + "mlp.up_proj.weight"])
        x = x + F.linear(g, W[p + "mlp.down_proj.weight"])
    x = rms(x[-1:], W["llm.model.norm.weight"], cfg["rms_norm_eps"])
    head = W.get("llm.lm_head.weight", W["llm.model.embed_tokens.weight"])
    return F.linear(x, head).float()


def once(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def best(fn, repeat):
    fn()  # warm-up
    return min(once(fn) for _ in range(max(1, repeat)))


def matmul_gflops(dt, n):
    a, b = torch.randn(n, n).to(dt), torch.randn(n, n).to(dt)
    ms = best(lambda: a @ b, 2)
    return 2 * n ** 3 / (ms / 1000) / 1e9


def blas_library():
    """Debian's torch calls whichever libblas the alternatives system points at; name the one loaded."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "unknown"
    for lib in ("openblas", "blis", "mkl", "atlas"):
        if lib in maps:
            return lib
    return "reference" if "libblas" in maps else "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True, help="directory with config.json and model.safetensors (F32)")
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--phases", default="vision,prefill,decode", help="comma list of vision, prefill, decode")
    ap.add_argument("--prefill", type=int, default=1100, help="prompt positions of the prefill")
    ap.add_argument("--decode-steps", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    # Debian's build starts with one intra-op thread; the engine uses every core, so must this.
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    cfg = json.load(open(os.path.join(a.model_dir, "config.json")))
    dt = torch.float32 if a.dtype == "fp32" else torch.bfloat16
    W = {k: v.to(dt) for k, v in read_safetensors(os.path.join(a.model_dir, "model.safetensors")).items()}
    phases = set(a.phases.split(","))
    res = {"torch": torch.__version__, "threads": torch.get_num_threads(), "dtype": a.dtype}
    with torch.inference_mode():
        res["matmul_gflops"] = matmul_gflops(dt, 2048 if dt == torch.float32 else 512)
        res["blas"] = blas_library()
        size = cfg.get("image_size", 512)
        if "vision" in phases:
            pix = torch.randn(1, 3, size, size).to(dt)
            res["vision_ms"] = best(lambda: encode_image(pix, W, cfg["vision_config"]), a.repeat)
        H = cfg["hidden_size"]
        x = (torch.randn(a.prefill, H) * 0.02).to(dt)
        if "prefill" in phases:
            llama(x, W, cfg, {}, 0)  # full-size warm-up, as the engine bench does
            res["prefill_tokens"] = a.prefill
            res["prefill_ms"] = once(lambda: llama(x, W, cfg, {}, 0))
        if "decode" in phases:
            # Decode cost does not depend on the cached values: fill the cache with random K/V of a
            # prefilled prompt instead of running a prefill (a bf16 prefill takes many minutes here).
            nkv = cfg.get("num_key_value_heads", cfg["num_attention_heads"])
            hd = H // cfg["num_attention_heads"]
            cache = {i: (torch.randn(nkv, a.prefill, hd).to(dt), torch.randn(nkv, a.prefill, hd).to(dt))
                     for i in range(cfg["num_hidden_layers"])}
            one = (torch.randn(1, H) * 0.02).to(dt)
            state = {"pos": a.prefill}

            def step():
                # Each step appends one position; the cache grows as in real generation.
                llama(one, W, cfg, cache, state["pos"])
                state["pos"] += 1

            step()
            res["decode_context"] = a.prefill
            res["decode_step_ms"] = once(lambda: [step() for _ in range(a.decode_steps)]) / a.decode_steps
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()
