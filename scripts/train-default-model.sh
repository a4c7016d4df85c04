#!/usr/bin/env bash
# Trains the default model from scratch: vision pretraining on synthetic region attributes, then the
# paper's stage 3 (projector + mask extractor + language model, trunk frozen) on synthetic questions.
# Usage: scripts/train-default-model.sh OUT_DIR   (the model ends up in OUT_DIR/model)
# An interrupted step continues where its last checkpoint left it when the script is run again.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/train-default-model.sh OUT_DIR}
osprey() { dotnet run --project src/Osprey.Cli -c Release -- "$@"; }

vision="$out/vision"
if [ -f "$vision/resume/trainer_state.json" ]; then start=(--resume); else start=(--config configs/osprey-small.json --layer-scale 1); fi
osprey pretrain-vision "${start[@]}" --seed 1 --steps 4000 --batch-size 16 --lr 4e-3 --warmup 100 \
    --checkpoint-every 250 --log-every 100 --threads 1 --out "$vision"

model="$out/model"
if [ -f "$model/resume/trainer_state.json" ]; then start=(--resume); else start=(--init-from "$vision"); fi
osprey train "${start[@]}" --stage 3 --synthetic 80000 --seed 1 --steps 5000 --batch-size 8 --lr 2e-3 --warmup 40 \
    --checkpoint-every 100 --log-every 20 --threads 1 --out "$model"
