#!/usr/bin/env bash
# Checks `siglip tokenize` against the golden ids of the real google/siglip-base-patch16-224 vocabulary
# (transformers' own tokenizer tests, siglip-spec.md §7.5). The vocabulary cannot be downloaded here, so this
# runs only when SIGLIP_BASE_MODEL names a local copy of that checkpoint; otherwise it says it was SKIPPED and
# counts as nothing (it is not part of the test suite's pass count).
# Usage: scripts/golden-ids.sh SIGLIP_BINARY
set -euo pipefail
siglip=$1
model=${SIGLIP_BASE_MODEL:-}
if [ -z "$model" ] || [ ! -f "$model/spiece.model" ]; then
  echo "golden ids: SKIPPED (not run): set SIGLIP_BASE_MODEL to a local google/siglip-base-patch16-224 to check them"
  exit 0
fi
pad() { local ids=$1 n; n=$(echo "$ids" | tr ',' '\n' | wc -l); printf '%s' "$ids"; for _ in $(seq $((n + 1)) 64); do printf ', 1'; done; }
check() {
  local text=$1 expected=$2 got
  got=$("$siglip" tokenize --model "$model" "$text" | sed -E 's/.*"ids": \[(.*)\]\}/\1/')
  if [ "$got" = "$(pad "$expected")" ]; then echo "ok: $text"; else echo "MISMATCH: $text"; echo "  got      $got"; failed=1; fi
}
failed=0
check 'the real mountain view' '260, 638, 3293, 870, 1'
check 'Zürich' '262, 761, 5879, 5345, 1'
check 'San Francisco' '262, 264, 452, 20563, 15949, 1'
check 'a picture of a laptop with the lockscreen on, a cup of cappucino, salt and pepper grinders. The view through the window reveals lake Zürich and the Alps in the background of the city.' '262, 266, 1357, 267, 262, 266, 4429, 275, 260, 3940, 6360, 277, 262, 266, 3064, 267, 3549, 388, 16538, 296, 298, 2617, 263, 4869, 14998, 264, 260, 870, 393, 260, 1710, 7958, 4324, 262, 761, 5879, 5345, 263, 260, 1518, 388, 264, 268, 260, 1970, 267, 260, 741, 1'
exit $failed
