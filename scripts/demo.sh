#!/usr/bin/env bash
# The offline demo. Part 1: a small SigLIP trained from scratch by `siglip train` on generated shapes (SHAPES_DIR,
# see README) classifies new generated images zero-shot. Part 2: the whole path from image files and strings to
# JSON on the bundled tiny checkpoint (random weights, so its scores mean nothing).
# Usage: scripts/demo.sh SIGLIP_BINARY MODEL_DIR SHAPES_MODEL_DIR
set -euo pipefail
siglip=$1
model=$2
shapes_model=$3
photos=Tests/Fixtures/images/files

section() { printf '\n== %s\n' "$1"; }
short() { cut -c1-170; }

section "siglip datasets shapes: new images (a seed the model never saw), every colour-shape pair"
shapes=$(mktemp -d)
"$siglip" datasets shapes --output "$shapes" --count 0 --test-count 60 --seed 2024 2>/dev/null
labels=()
while IFS= read -r line; do labels+=(--label "$line"); done < "$shapes/labels.txt"

section "siglip classify with the trained shapes model: the top labels of four images (sigmoid probabilities)"
for i in 000000 000007 000013 000026; do
  printf '%s (%s): ' "$i" "$(sed -n "$((10#$i + 1))p" "$shapes/test.jsonl" | sed 's/.*"text":"\([^"]*\)".*/\1/')"
  "$siglip" classify --model "$shapes_model" --template "{}" "${labels[@]}" "$shapes/images/test/$i.png" \
    | sed 's/.*"scores": \[//' | cut -c1-150
done

section "siglip eval-zero-shot: top-1 over all 30 captions; held-out pairs were never in training"
"$siglip" eval-zero-shot --model "$shapes_model" --data "$shapes/test.jsonl"

section "siglip classify: an independent sigmoid probability per label (they need not sum to 1)"
"$siglip" classify --model "$model" --label cat --label rocket --label astronaut \
  "$photos/photo_chelsea_q90.jpg" "$photos/photo_rocket.jpg"

section "siglip embed: image files and texts -> L2-normalised embeddings (JSON Lines)"
"$siglip" embed --model "$model" --image "$photos/photo_chelsea_q90.jpg" --text "a photo of a cat" --text "Zürich!" | short

section "siglip tokenize --verbose: the ids the text tower sees (lowercased, punctuation removed, EOS, padded)"
"$siglip" tokenize --model "$model" --verbose "A photo of a CAT." | short

section "siglip preprocess: the pixel tensor, bit for bit what transformers (PIL backend) computes"
out=$(mktemp --suffix .npy)
"$siglip" preprocess --model "$model" "$photos"/photo_*.jpg --output "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"

section "siglip index add + search: a persistent index of the fixture photos, searched by text (gallery page too)"
index=$(mktemp -d)/photos.idx
"$siglip" index add --index "$index" --model "$model" "$photos" 2>&1 | tail -1
"$siglip" search --index "$index" --text "a photo of a cat" -k 3 --html "${index%/*}/gallery.html"
echo "gallery: ${index%/*}/gallery.html"

section "a bad input is reported in place; the rest still run; exit status 1"
"$siglip" embed --model "$model" --image /nonexistent.jpg --image "$photos/photo_rocket.jpg" 2>/dev/null | short || echo "(exit status $?)"
