#!/usr/bin/env bash
# Work in progress, not yet a way to train the default model (scripts/train-default-model.sh is; it
# reproduces models/osprey-default with one model per step in about 3 hours 40 minutes). This is the
# same recipe on two cores in about 2 hours: vision pretraining on synthetic region attributes, the
# paper's stage 3 (projector + mask extractor + language model, trunk frozen) on synthetic questions,
# decoder-only rounds that teach region comparison, then stage-3 rounds that ask many yes/no questions
# per conversation. Every step splits its batches over two model replicas (--workers 2 --threads 1),
# which adds the gradients in a fixed order, so a run repeats exactly. Rounds that may need repeating
# are checked on 200 validation questions (seed 7000001, never used for training) and the script goes
# on once the family is learnt; it stops with an error if it is not. On its one run so far every
# family except yes/no was learnt, and yes/no was still at chance (50.7 %) after round 6
# (models/osprey-default/README.md, *Two replicas per step, end to end*).
# Usage: scripts/train-default-model-two-workers.sh OUT_DIR   (the model ends up in OUT_DIR/model; step
# times in OUT_DIR/timings.txt). An interrupted step continues from its last checkpoint when run again.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/train-default-model-two-workers.sh OUT_DIR}
mkdir -p "$out"
dotnet build src/Osprey.Cli -c Release -v quiet -nologo
osprey() { dotnet run --no-build --project src/Osprey.Cli -c Release -- "$@"; }
parallel=(--workers 2 --threads 1)
started=$SECONDS
timed() { local t=$SECONDS; "$@"; echo "$(printf '%-12s' "$step") $(( (SECONDS - t) / 60 )) min $(( (SECONDS - t) % 60 )) s" >> "$out/timings.txt"; }

# True when the model meets the accuracy bars on the validation questions of the given families.
learnt() {
    local rc=0
    osprey eval --model "$1" --synthetic 200 --seed 7000001 --families "$2" --require "$3" --threads 2 || rc=$?
    [ "$rc" -eq 0 ] && return 0
    [ "$rc" -eq 3 ] && return 1
    exit "$rc"
}

step=vision
vision="$out/vision"
if [ -f "$vision/resume/trainer_state.json" ]; then start=(--resume); else start=(--config configs/osprey-small.json --layer-scale 1); fi
timed osprey pretrain-vision "${start[@]}" --seed 1 --steps 4000 --batch-size 16 --lr 4e-3 --warmup 100 \
    --checkpoint-every 250 --log-every 100 "${parallel[@]}" --out "$vision"

step=stage3
stage3="$out/stage3"
if [ -f "$stage3/resume/trainer_state.json" ]; then start=(--resume); else start=(--init-from "$vision"); fi
timed osprey train "${start[@]}" --stage 3 --synthetic 80000 --seed 1 --steps 5000 --batch-size 8 --lr 2e-3 --warmup 40 \
    --checkpoint-every 100 --log-every 20 "${parallel[@]}" --out "$stage3"

# One round from the previous round's model (or from its own checkpoint after an interruption).
# STAGE is 3 (projector, mask extractor and decoder) or llm (the decoder only).
train_round() {
    local stage=$1 dir="$out/$2" seed=$3 steps=$4 lr=$5
    shift 5
    local -a start
    if [ -f "$dir/resume/trainer_state.json" ]; then start=(--resume); else start=(--init-from "$previous"); fi
    step=$(basename "$dir")
    timed osprey train "${start[@]}" --stage "$stage" --synthetic 80000 --seed "$seed" --steps "$steps" --batch-size 8 --lr "$lr" \
        --warmup 20 --weight-decay 0.1 "$@" --checkpoint-every 100 --log-every 50 "${parallel[@]}" --out "$dir"
    previous="$dir"
}

# Comparison: decoder-only rounds of comparison questions in which three of four ask "which is larger"
# and three of four have region1 as the answer to "larger" (region2 to "smaller"), so each part of the
# answer is first learnt on its own and the "smaller" questions then need the missing interaction
# (models/osprey-default/README.md, *How it learnt comparison and yes/no*). From this stage-3 model
# the first round learns it (99.5 % of the 200 validation questions); other seeds took one or two rounds.
previous="$stage3"
for round in 1 2 3 4; do
    train_round llm "comparison$round" $((121 + round)) 500 3e-3 --families comparison \
        --comparison-larger-share 0.75 --comparison-word-tied-order 0.75
    learnt "$previous" comparison comparison=0.95 && break
    [ "$round" -lt 4 ] || { echo "comparison not learnt after 4 rounds" >&2; exit 1; }
done

# Yes/no, in rounds that ask sixteen yes/no questions about a scene in one conversation inside the
# full mixture (yes/no weighted 3, which also brings back every family the comparison rounds did not
# train). At lr 1.5e-3 the answers slowly leave a constant answer (a round on colour questions, one on
# category questions, then both); at lr 3e-3 the one-model line then learnt them, this line's first
# such round (6) went back to chance. From the first round of both kinds
# on, colour questions are weighted 3 too: without them that round's decoder answered "What colour is
# region1?" with "No" (colour 35 % on 60 validation questions).
packed=(--family-weights yesno=3 --yesno-questions 16)
train_round 3 yesno1 501 600 1.5e-3 "${packed[@]}" --yesno-kinds colour
train_round 3 yesno2 502 600 1.5e-3 "${packed[@]}" --yesno-kinds category
packed=(--family-weights yesno=3,colour=3 --yesno-questions 16)
train_round 3 yesno3 503 600 1.5e-3 "${packed[@]}"
train_round 3 yesno4 504 600 1.5e-3 "${packed[@]}"
train_round 3 yesno5 535 1200 1.5e-3 "${packed[@]}"
for round in 6 7 8 9; do
    train_round 3 "yesno$round" $((596 + round)) 1200 3e-3 "${packed[@]}"
    learnt "$previous" yesno,category,colour yesno=0.9,category=0.95,colour=0.95 && break
    [ "$round" -lt 9 ] || { echo "yes/no not learnt after round 9" >&2; exit 1; }
done
rm -rf "$out/model" && mkdir -p "$out/model" && cp "$previous"/{config.json,added_tokens.json,tokenizer.model,model.safetensors} "$out/model/"
echo "total        $(( (SECONDS - started) / 60 )) min" >> "$out/timings.txt"
cat "$out/timings.txt"
