#!/usr/bin/python3
"""Writes torch_save_case.bin with real torch.save (zip format) and its expected values as JSON.

Test data only: the product reads .bin checkpoints through TorchSharp.PyBridge, never Python.
Run with Debian's python3-torch: python3 make_torch_save_case.py
"""
import json
import torch

state = {
    "model.embed_tokens.weight": (torch.arange(24, dtype=torch.float32).reshape(6, 4) / 8 - 1).to(torch.bfloat16),
    "model.norm.weight": torch.linspace(0.5, 2.0, 4, dtype=torch.float32).to(torch.float16),
    "lm_head.weight": torch.arange(24, dtype=torch.float32).reshape(6, 4) / -16,
}
torch.save(state, "torch_save_case.bin")
expected = {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                "values": v.float().flatten().tolist()} for k, v in state.items()}
json.dump({"torch": torch.__version__, "tensors": expected}, open("torch_save_case.json", "w"), indent=1)
