#!/usr/bin/env bash
# Reproduces models/sam-default: a small Segment Anything model trained from scratch in TorchSharp on
# the synthetic region world, then evaluated on held-out scenes (OUT/eval-heldout.json). One libtorch
# thread, fixed seeds and a fixed step count, so the same machine gives the same weights.
#
#   scripts/train-default-sam.sh [OUT]     OUT defaults to models/sam-default
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/models/sam-default}"

dotnet build "$repo/src/Osprey.Cli/Osprey.Cli.csproj" -c Release -v quiet -nologo
dotnet "$repo/src/Osprey.Cli/bin/Release/net10.0/osprey.dll" train-sam \
  --out "$out" \
  --threads 1 \
  --seed 1 \
  --steps 900 \
  --scenes-per-step 4 \
  --lr 1e-3 \
  --warmup 60 \
  --scene-size 128 --patch-size 4 --embed-dim 64 --depth 4 --heads 2 --window 8 --prompt-dim 64 \
  --eval-scenes 200 --eval-seed 2000003
