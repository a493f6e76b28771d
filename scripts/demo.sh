#!/usr/bin/env bash
# The offline demo: siglip on the bundled tiny checkpoint (random weights, so the scores mean nothing; the point is
# the whole path from image files and strings to JSON). Usage: scripts/demo.sh SIGLIP_BINARY MODEL_DIR
set -euo pipefail
siglip=$1
model=$2
photos=Tests/Fixtures/images/files

section() { printf '\n== %s\n' "$1"; }
short() { cut -c1-170; }

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
