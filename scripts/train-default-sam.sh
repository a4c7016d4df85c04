#!/usr/bin/env bash
# Reproduces models/sam-default: a small Segment Anything model trained from scratch in TorchSharp on
# the synthetic region world, then evaluated on held-out scenes (OUT/eval-heldout.json). Two phases:
# 5,000 steps from fresh weights (seed 1's scenes, one single click per object), then 3,500 more at a
# lower learning rate on other scenes (seed 2's) with four single clicks per object. Fixed seeds and
# step counts; about 1.5 h on the 2-core machine. The shipped weights
# came from these commands at two libtorch threads, which libtorch's parallel backward does not make
# bit-deterministic (two 30-step runs differed); at --threads 1 two runs give the same file, at about the
# same speed on two cores, so set THREADS=1 for a bit-for-bit reproducible retrain.
#
#   scripts/train-default-sam.sh [OUT]     OUT defaults to models/sam-default
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/models/sam-default}"
threads="${THREADS:-2}"
first="$(mktemp -d)"
trap 'rm -rf "$first"' EXIT

dotnet build "$repo/src/Osprey.Cli/Osprey.Cli.csproj" -c Release -v quiet -nologo
osprey() { dotnet "$repo/src/Osprey.Cli/bin/Release/net10.0/osprey.dll" "$@"; }

osprey train-sam \
  --out "$first" \
  --threads "$threads" \
  --seed 1 \
  --steps 5000 \
  --scenes-per-step 4 \
  --lr 1e-3 \
  --warmup 100 \
  --scene-size 128 --patch-size 4 --embed-dim 64 --depth 4 --heads 2 --window 8 --prompt-dim 64 \
  --eval-scenes 200 --eval-seed 2000003

osprey train-sam \
  --out "$out" \
  --init-from "$first" \
  --threads "$threads" \
  --seed 2 \
  --steps 3500 \
  --scenes-per-step 4 \
  --lr 3e-4 \
  --warmup 50 \
  --clicks-per-object 4 \
  --eval-scenes 200 --eval-seed 2000003
