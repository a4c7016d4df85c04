#!/usr/bin/python3
"""Writes a full-size Osprey-7B checkpoint with random bf16 values, in the published layouts.

Every tensor of the manifest (osprey-7b.manifest.json: 656 tensors, 6,983,379,648 parameters,
vision tower included) is written, so loading it costs what loading the real model costs.

    OUT/bin/          pytorch_model-0000N-of-0000M.bin (torch.save, zip format) + pytorch_model.bin.index.json
    OUT/safetensors/  model-0000N-of-0000M.safetensors + model.safetensors.index.json

Both directories get a config.json built from the manifest's architecture and the tokenizer of
models/osprey-default. Tensors go into shards in manifest order, a new shard starting when the next
tensor would pass --max-shard-bytes (Hugging Face's save_pretrained rule; its default then was
10 GB). Tensor i is drawn from a generator seeded with --seed + i, so both layouts hold the same values.

Memory: a .bin shard is written by torch.save from a dict of its tensors, so the peak is one shard
(about 10 GB at the default); the safetensors shards are written one tensor at a time.

This is a development tool (Debian: apt-get install python3-torch); nothing in the product runs Python.
"""
import argparse
import collections
import gc
import json
import os
import shutil
import struct
import time

import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="directory to create (bin/ and safetensors/ go inside)")
    p.add_argument("--manifest", required=True, help="osprey-7b.manifest.json")
    p.add_argument("--layouts", default="bin,safetensors", help="comma-separated: bin, safetensors")
    p.add_argument("--max-shard-bytes", type=int, default=10_000_000_000)
    p.add_argument("--seed", type=int, default=25)
    p.add_argument("--tokenizer-dir", default=os.path.join(REPO, "models", "osprey-default"),
                   help="directory with tokenizer.model and added_tokens.json")
    return p.parse_args()


def config_from(manifest):
    a = manifest["architecture"]
    llm, vision = a["llm"], a["vision"]
    return {
        "architectures": ["OspreyLlamaForCausalLM"],
        "model_type": "osprey",
        "hidden_size": llm["hidden_size"],
        "intermediate_size": llm["intermediate_size"],
        "num_hidden_layers": llm["num_hidden_layers"],
        "num_attention_heads": llm["num_attention_heads"],
        "num_key_value_heads": llm["num_key_value_heads"],
        "rms_norm_eps": llm["rms_norm_eps"],
        "rope_theta": llm["rope_theta"],
        "max_position_embeddings": llm["max_position_embeddings"],
        "vocab_size": llm["vocab_size"],
        "bos_token_id": 1,
        "eos_token_id": 2,
        "pad_token_id": 0,
        "tie_word_embeddings": llm["tie_word_embeddings"],
        "hidden_act": "silu",
        "torch_dtype": "bfloat16",
        "mm_projector_type": a["projector"]["type"],
        "mm_hidden_size": a["projector"]["mm_hidden_size"],
        "mm_use_im_start_end": False,
        "image_size": vision["image_size"],
        "vision_config": {"dims": vision["dims"], "depths": vision["depths"], "layer_norm_eps": vision["layer_norm_eps"]},
        "mask_extractor_config": a["mask_extractor"],
    }


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def shards_of(tensors, max_bytes):
    """Manifest order; a new shard when the next tensor would pass max_bytes."""
    shards, current, size = [], [], 0
    for t in tensors:
        b = numel(t["shape"]) * 2
        if current and size + b > max_bytes:
            shards.append(current)
            current, size = [], 0
        current.append(t)
        size += b
    if current:
        shards.append(current)
    return shards


def make(index, entry, seed):
    shape = entry["shape"]
    name = entry["name"]
    # Norm scales at one keep activations in range, as in a trained model; everything else small normal values.
    if len(shape) == 1 and "norm" in name and name.endswith(".weight"):
        return torch.ones(shape, dtype=torch.bfloat16)
    g = torch.Generator().manual_seed(seed + index)
    return (torch.randn(shape, generator=g) * 0.02).to(torch.bfloat16)


def write_directory_files(directory, config, tokenizer_dir):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for name in ("tokenizer.model", "added_tokens.json"):
        shutil.copyfile(os.path.join(tokenizer_dir, name), os.path.join(directory, name))


def write_index(path, weight_map, total):
    with open(path, "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def write_bin(directory, shards, order, seed):
    weight_map, total = {}, 0
    for k, shard in enumerate(shards):
        file = f"pytorch_model-{k + 1:05d}-of-{len(shards):05d}.bin"
        started = time.time()
        state = collections.OrderedDict((t["name"], make(order[t["name"]], t, seed)) for t in shard)
        torch.save(state, os.path.join(directory, file))
        size = sum(v.numel() * 2 for v in state.values())
        del state
        gc.collect()
        total += size
        for t in shard:
            weight_map[t["name"]] = file
        print(f"{file}: {len(shard)} tensors, {size / 1e9:.2f} GB of weights, {time.time() - started:.0f} s", flush=True)
    write_index(os.path.join(directory, "pytorch_model.bin.index.json"), weight_map, total)


def write_safetensors(directory, shards, order, seed):
    weight_map, total = {}, 0
    for k, shard in enumerate(shards):
        file = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
        started = time.time()
        header, offset = {}, 0
        for t in shard:
            b = numel(t["shape"]) * 2
            header[t["name"]] = {"dtype": "BF16", "shape": t["shape"], "data_offsets": [offset, offset + b]}
            offset += b
        header["__metadata__"] = {"format": "pt"}
        encoded = json.dumps(header, separators=(",", ":")).encode()
        encoded += b" " * ((8 - len(encoded) % 8) % 8)
        with open(os.path.join(directory, file), "wb") as f:
            f.write(struct.pack("<Q", len(encoded)))
            f.write(encoded)
            for t in shard:
                v = make(order[t["name"]], t, seed)
                f.write(v.contiguous().view(torch.int16).numpy().tobytes())
                del v
        total += offset
        for t in shard:
            weight_map[t["name"]] = file
        print(f"{file}: {len(shard)} tensors, {offset / 1e9:.2f} GB, {time.time() - started:.0f} s", flush=True)
    write_index(os.path.join(directory, "model.safetensors.index.json"), weight_map, total)


def main():
    args = parse_args()
    with open(args.manifest) as f:
        manifest = json.load(f)
    tensors = manifest["tensors"]
    assert len(tensors) == manifest["num_tensors"], "manifest tensor count"
    assert sum(numel(t["shape"]) for t in tensors) == manifest["total_parameters"], "manifest parameter count"
    order = {t["name"]: i for i, t in enumerate(tensors)}
    shards = shards_of(tensors, args.max_shard_bytes)
    config = config_from(manifest)
    for layout in args.layouts.split(","):
        directory = os.path.join(args.out, layout)
        write_directory_files(directory, config, args.tokenizer_dir)
        if layout == "bin":
            write_bin(directory, shards, order, args.seed)
        elif layout == "safetensors":
            write_safetensors(directory, shards, order, args.seed)
        else:
            raise SystemExit(f"unknown layout {layout}")


if __name__ == "__main__":
    main()
