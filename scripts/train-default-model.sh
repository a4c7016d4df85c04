#!/usr/bin/env bash
# Trains the default model from scratch on two cores: vision pretraining on synthetic region
# attributes, the paper's stage 3 (projector + mask extractor + language model, trunk frozen) on
# synthetic questions and a decoder-only round that teaches region comparison, in the per-question
# layout (regions inline at their mention); then stage-3 rounds on Osprey's multi-region conversations,
# the layout the gateway serves, the later ones teaching the decoder to look regionK up and to carry
# the asked words to the answer (which teaches yes/no), then to answer about regions marked by boxes,
# to size partly hidden objects, and last to compare two regions named in a conversation
# (models/osprey-default/README.md, *Training*).
# Usage: scripts/train-default-model.sh OUT_DIR   (the model ends up in OUT_DIR/model; step times in
# OUT_DIR/timings.txt). An interrupted step continues from its last checkpoint when run again.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/train-default-model.sh OUT_DIR}
mkdir -p "$out"
dotnet build src/Osprey.Cli -c Release -v quiet -nologo
osprey() { dotnet run --no-build --project src/Osprey.Cli -c Release -- "$@"; }
started=$SECONDS
# The trainers compute with portable kernels (osprey train --kernels portable, the default: libtorch and
# oneDNN capped at AVX2, MKL on its reproducible COMPATIBLE path), so a run gives the same weights on
# any x86-64 CPU with AVX2, and an interrupted run may continue on another machine. KERNELS=avx2 puts
# MKL on its AVX2 path instead: steps take 0.54-0.67 of the time on a family-25 EPYC, and the weights
# repeat on CPUs of the vendor that ran them only (a run resumes only with the kernels it began with).
# Say which CPU ran it, for the step times.
kernels=${KERNELS:-portable}
cpuinfo() { grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo | cut -d: -f2 | xargs || true; }
flags=$(cpuinfo flags)
widest=unknown
for isa in avx512f avx2 sse4_2; do [[ " $flags " == *" $isa "* ]] && { widest=$isa; break; }; done
echo "cpu          $(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model)), widest vectors $widest" >> "$out/timings.txt"
echo "vectors      $(tr ' ' '\n' <<< "$flags" | grep -E '^(avx|amx|fma|f16c)' | sort | xargs)" >> "$out/timings.txt"
echo "kernels      $kernels" >> "$out/timings.txt"
echo "code         $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src scripts configs 2>/dev/null || echo ' with local changes')" >> "$out/timings.txt"
timed() { local t=$SECONDS; "$@"; echo "$(printf '%-12s' "$step") $(( (SECONDS - t) / 60 )) min $(( (SECONDS - t) % 60 )) s" >> "$out/timings.txt"; }

# True when the model meets the accuracy bars on the validation questions (seed 7000001, never used
# for training) of the given families, asked in LAYOUT (per-question or served), in fp32 whatever the CPU.
learnt() {
    local rc=0
    osprey eval --model "$1" --layout "$4" --synthetic 200 --conversations 400 --seed 7000001 --families "$2" --require "$3" --dtype fp32 --threads 2 || rc=$?
    [ "$rc" -eq 0 ] && return 0
    [ "$rc" -eq 3 ] && return 1
    exit "$rc"
}

# Every step splits its batch over two model replicas, one per core (--workers 2 --threads 1), which add
# the gradients in a fixed order, so a run repeats exactly.
two=(--workers 2 --threads 1 --kernels "$kernels")
step=vision
vision="$out/vision"
if [ -f "$vision/resume/trainer_state.json" ]; then start=(--resume); else start=(--config configs/osprey-small.json --layer-scale 1); fi
timed osprey pretrain-vision "${start[@]}" --seed 1 --steps 4000 --batch-size 16 --lr 4e-3 --warmup 100 \
    --checkpoint-every 250 --log-every 100 "${two[@]}" --out "$vision"

step=stage3
stage3="$out/stage3"
if [ -f "$stage3/resume/trainer_state.json" ]; then start=(--resume); else start=(--init-from "$vision"); fi
timed osprey train "${start[@]}" --stage 3 --synthetic 80000 --synthetic-layout per-question --seed 1 --steps 5000 --batch-size 8 --lr 2e-3 --warmup 40 \
    --checkpoint-every 100 --log-every 20 "${two[@]}" --out "$stage3"

# One round from the previous round's model (or from its own checkpoint after an interruption).
# STAGE is 3 (projector, mask extractor and decoder) or llm (the decoder only); the rest are options of
# osprey train (the synthetic layout among them).
train_round() {
    local stage=$1 dir="$out/$2" seed=$3 steps=$4 lr=$5
    shift 5
    local -a start
    if [ -f "$dir/resume/trainer_state.json" ]; then start=(--resume); else start=(--init-from "$previous"); fi
    step=$(basename "$dir")
    timed osprey train "${start[@]}" --stage "$stage" --synthetic 80000 --seed "$seed" --steps "$steps" --batch-size 8 --lr "$lr" \
        --warmup 20 --weight-decay 0.1 "$@" --checkpoint-every 100 --log-every 50 "${two[@]}" --out "$dir"
    previous="$dir"
}

# Comparison: a decoder-only round in which three of four questions ask "which is larger" and three of
# four have region1 as the answer to "larger" (region2 to "smaller"), so each part of the answer is
# first learnt on its own and the "smaller" questions then need the missing interaction.
previous="$stage3"
per_question=(--synthetic-layout per-question)
train_round llm comparison 122 500 3e-3 "${per_question[@]}" --families comparison --comparison-larger-share 0.75 --comparison-word-tied-order 0.75

# Osprey's multi-region conversations, the layout the gateway serves: every region introduced in the
# first turn, then up to eight questions naming any of them as regionK, half with the short-answer
# suffix. One stage-3 round; yes/no, comparison, category and the description (whose unsuffixed
# "What is regionK?" must name the object) weighted 2.
train_round 3 conv1 901 600 2e-3 --synthetic-layout conversations --family-weights yesno=2,comparison=2,category=2,description=2

# The lookup: until here the decoder reads region1 whatever K a question names. One stage-3 round on
# conversations of two regions or more with the region-attention term (--region-attention-*): every
# head of the last layer is taught to attend, at each answer about regionK, to regionK's <mask><pos>
# pair, and layer 0 the two attentions that lookup needs (at each <mask> the number before it, at each
# answer the number its question named), weighted 3 beside the answer loss.
train_round 3 conv2 921 1200 2e-3 --synthetic-layout conversations --family-weights yesno=2,comparison=2,category=2,description=2,colour=2 \
    --conversation-min-regions 2 --region-attention-weight 3 --region-attention-head -1 --region-attention-circuit

# Comparison and yes/no on top of the lookup: sixteen questions per conversation
# (--conversation-questions 16) with yes/no weighted 6 and comparison 3, three rounds that also teach
# layer 0's head 2 to carry the words a question asks about its region to the answer
# (--region-attention-word), without which a colour asked in a yes/no question never reached the answer.
# Yes/no inside conversations takes all three: 47 %, 53 %, 70 %, 93 % on validation conversations before
# and after each (with the seven per-question yes/no rounds the script had before them, at four times
# this round's cost, it took two; models/osprey-default/README.md, *Training*).
asked=(--synthetic-layout conversations --conversation-questions 16 --conversation-min-regions 2
    --region-attention-weight 3 --region-attention-head -1 --region-attention-circuit --region-attention-word)
train_round 3 words1 925 1200 1.5e-3 "${asked[@]}" --family-weights yesno=6,comparison=3,category=2,description=2,colour=2
train_round 3 words2 926 1200 1.5e-3 "${asked[@]}" --family-weights yesno=6,comparison=3,category=2,description=2,colour=2
train_round 3 words3 930 1200 1.5e-3 "${asked[@]}" --family-weights yesno=6,comparison=3,category=2,description=2,colour=2
# Regions as users mark them: a shorter round in which three regions in ten are the filled bounding box
# of their visible pixels (the web app's box tool) instead of their exact mask. Comparison is weighted 6
# and follow-ups 2 here: weighted as above, this round took comparison from 91.7 % to 78.8 % inside
# held-out conversations, and with comparison 6 alone follow-ups asked alone fell to 90.6 %.
train_round 3 boxes 927 600 1.5e-3 "${asked[@]}" --family-weights yesno=6,comparison=6,category=2,description=2,colour=2,multiturn=2 \
    --conversation-box-share 0.3
# Sizes of partly hidden objects: a size is the visible extent, and a medium object partly hidden can have
# the area of a small one. A round on scenes in which three objects in four after the first are drawn
# over an earlier one (--scene-overlap-share 0.75), size weighted 6 and description 4, the rest as above.
train_round 3 hidden 928 1200 7.5e-4 "${asked[@]}" --family-weights yesno=6,comparison=6,category=2,description=4,colour=2,multiturn=2,size=6 \
    --conversation-box-share 0.3 --scene-overlap-share 0.75
# Comparison inside conversations: which of two named regions is larger is an exclusive-or of the asked
# word and the sizes, and the rounds above leave it at chance. A decoder-only round of comparison
# questions only, sixteen per conversation, with both leanings of the comparison round above (the region
# named first answers "larger" three times in four, so each part of the answer is learnt on its own
# first), in conversations of three or four regions where the scene has them: with two or more, pairs
# naming region3 or region4 were rare and answered worst (79 % and 50 % held out, against 93-94 %).
# Then a round as the last one, seed 929 and 600 steps at lr 1.5e-3, which brings back the families the
# comparison round wore down, with parts weighted 4: a part is asked only where a conversation narrows a
# region to one (three conversations in ten), and weighted 1, single questions about parts were right
# 95.9 % of the time on validation (97.0 % weighted 4).
train_round llm compare 940 1000 3e-3 --synthetic-layout conversations --conversation-questions 16 --conversation-min-regions 3 \
    --families comparison --comparison-larger-share 0.75 --comparison-word-tied-order 0.75
train_round 3 restore 929 600 1.5e-3 "${asked[@]}" --family-weights yesno=6,comparison=6,category=2,description=4,colour=2,multiturn=2,size=6,part=4 \
    --conversation-box-share 0.3 --scene-overlap-share 0.75
# 400 conversations of the validation seed (about 190 comparisons and 500 questions of each other
# family), as the gateway serves them; the issue's targets are measured on the held-out set of the model
# README. Stop with an error if a family is below its bar.
learnt "$previous" yesno,category,colour,comparison yesno=0.9,category=0.9,colour=0.9,comparison=0.9 served \
    || { echo "yes/no, category, colour or comparison not learnt inside conversations" >&2; exit 1; }
rm -rf "$out/model" && mkdir -p "$out/model" && cp "$previous"/{config.json,added_tokens.json,tokenizer.model,model.safetensors} "$out/model/"
echo "total        $(( (SECONDS - started) / 60 )) min" >> "$out/timings.txt"
cat "$out/timings.txt"
