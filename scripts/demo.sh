#!/usr/bin/env bash
# The offline demo: runs siglip on the bundled tiny checkpoint (random weights, so the numbers mean nothing;
# the point is the whole path from files to JSON). Usage: scripts/demo.sh SIGLIP_BINARY MODEL_DIR
set -euo pipefail
siglip=$1
model=$2
expected=$model/expected

section() { printf '\n== %s\n' "$1"; }
short() { cut -c1-160; }

section "siglip embed: token ids and pixel tensors -> L2-normalised embeddings (JSON Lines)"
"$siglip" embed --model "$model" --input-ids "$expected/input_ids.npy" --pixel-values "$expected/pixel_values.npy" | short

section "siglip embed --raw: the towers' pooled outputs"
"$siglip" embed --model "$model" --pixel-values "$expected/pixel_values.npy" --raw | short

section "a bad input is reported in place; the rest still run; exit status 1"
"$siglip" embed --model "$model" --pixel-values /nonexistent.npy --input-ids "$expected/input_ids.npy" 2>/dev/null | short || echo "(exit status $?)"

section "siglip --help"
"$siglip" --help
