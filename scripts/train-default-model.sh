#!/usr/bin/env bash
# Trains the default model from scratch: vision pretraining on synthetic region attributes, then the
# paper's stage 3 (projector + mask extractor + language model, trunk frozen) on synthetic questions,
# then more stage 3 on a mixture that asks comparison questions more often and mostly "which is larger"
# (see models/osprey-default/README.md: that lean is what lets the decoder learn comparisons), then
# stage 3 rounds that ask many yes/no questions per conversation (what lets it learn yes/no).
# Usage: scripts/train-default-model.sh OUT_DIR   (the model ends up in OUT_DIR/model)
# An interrupted step continues where its last checkpoint left it when the script is run again.
# Every step runs one model (no --workers): the same commands with --workers 2 run 1.6x faster, but
# the leaning rounds learn comparison on some trajectories only (these seeds from this stage-3 model:
# 97 %; other seeds, or two workers: 38-56 %), so only one model reproduces the default model
# (models/osprey-default/README.md, *Training time*).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/train-default-model.sh OUT_DIR}
osprey() { dotnet run --project src/Osprey.Cli -c Release -- "$@"; }

vision="$out/vision"
if [ -f "$vision/resume/trainer_state.json" ]; then start=(--resume); else start=(--config configs/osprey-small.json --layer-scale 1); fi
osprey pretrain-vision "${start[@]}" --seed 1 --steps 4000 --batch-size 16 --lr 4e-3 --warmup 100 \
    --checkpoint-every 250 --log-every 100 --threads 1 --out "$vision"

stage3="$out/stage3"
if [ -f "$stage3/resume/trainer_state.json" ]; then start=(--resume); else start=(--init-from "$vision"); fi
osprey train "${start[@]}" --stage 3 --synthetic 80000 --seed 1 --steps 5000 --batch-size 8 --lr 2e-3 --warmup 40 \
    --checkpoint-every 100 --log-every 20 --threads 1 --out "$stage3"

# One stage-3 round from the previous round's model (or from its own checkpoint after an interruption).
stage3_round() {
    local dir="$out/$1" seed=$2 steps=$3 lr=$4
    shift 4
    local -a start
    if [ -f "$dir/resume/trainer_state.json" ]; then start=(--resume); else start=(--init-from "$previous"); fi
    osprey train "${start[@]}" --stage 3 --synthetic 80000 --seed "$seed" --steps "$steps" --batch-size 8 --lr "$lr" --warmup 20 \
        --weight-decay 0.1 "$@" --checkpoint-every 100 --log-every 50 --threads 1 --out "$dir"
    previous="$dir"
}

# Short rounds, each a fresh warm-up and cosine from the previous round's model: one 3,000-step run
# on the same mixture left comparison at chance, three 500-step rounds learnt it
# (96 % after two, 99 % after three on 300 validation questions; seed 7000001, never used for training).
previous="$stage3"
for round in 1 2 3; do
    stage3_round "lean$round" $((100 + round)) 500 3e-3 --family-weights yesno=3,comparison=3 --comparison-larger-share 0.75
done

# Then yes/no, in rounds that ask sixteen yes/no questions about a scene in one conversation inside the
# full mixture (yes/no weighted 3). At lr 1.5e-3 the answers slowly leave a constant answer (a round on
# colour questions, one on category questions, then both); at lr 3e-3 they are learnt (65 %, 84 %,
# 97 % on 200 validation questions after the last three rounds). At lr 3e-3 straight after the
# leaning rounds they stay constant.
packed=(--family-weights yesno=3 --yesno-questions 16)
stage3_round yesno1 501  600 1.5e-3 "${packed[@]}" --yesno-kinds colour
stage3_round yesno2 502  600 1.5e-3 "${packed[@]}" --yesno-kinds category
stage3_round yesno3 503  600 1.5e-3 "${packed[@]}"
stage3_round yesno4 504  600 1.5e-3 "${packed[@]}"
stage3_round yesno5 535 1200 1.5e-3 "${packed[@]}"
stage3_round yesno6 602 1200 3e-3   "${packed[@]}"
stage3_round yesno7 621 1200 3e-3   "${packed[@]}"
rm -rf "$out/model" && mkdir -p "$out/model" && cp "$previous"/{config.json,added_tokens.json,tokenizer.model,model.safetensors} "$out/model/"
