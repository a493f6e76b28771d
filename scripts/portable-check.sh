#!/usr/bin/env bash
# Proves a release binary built here runs on older x86-64 CPUs: runs `siglip embed` (JPEG and PNG decoding,
# resampling, both towers) under QEMU's user-mode emulator as an AVX2-only CPU (Haswell: no AVX-512) and as a
# pre-AVX CPU (Nehalem: SSE4.2), and compares the embeddings with a native run. The vector kernels pick their
# instruction set at run time, so each emulated run takes another code path and must still agree to float
# tolerance. Installs Debian's qemu-user when it is missing (as scripts/install-deps.sh installs libraries).
# Usage: scripts/portable-check.sh SIGLIP_BINARY MODEL_DIR
set -euo pipefail
siglip=$1
model=$2
photos=Tests/Fixtures/images/files
tolerance=2e-5

if [ "$(uname -m)" != x86_64 ]; then
  echo "portable check: SKIPPED (not run): the emulated CPUs are x86-64 ones"
  exit 0
fi
if ! command -v qemu-x86_64 >/dev/null; then
  echo "installing: qemu-user"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends qemu-user
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
embed() {
  "$@" embed --model "$model" --threads 2 --image "$photos/photo_chelsea_q90.jpg" --image "$photos/photo_astronaut_crop.png" \
    --text "a photo of a cat" --text "Zürich!"
}

# The largest absolute difference between the numbers of two JSON Lines outputs, which must have the same shape.
difference() {
  awk -v tolerance="$tolerance" '
    { gsub(/[^-0-9.eE+]+/, " "); n = split($0, v, " ") }
    FNR == NR { count[FNR] = n; for (i = 1; i <= n; i++) a[FNR, i] = v[i]; lines = FNR; next }
    {
      if (count[FNR] != n) { print "different shapes at line " FNR; bad = 1; exit }
      for (i = 1; i <= n; i++) { d = a[FNR, i] - v[i]; if (d < 0) d = -d; if (d > worst) worst = d }
      seen = FNR
    }
    END {
      if (bad) exit 1
      if (seen != lines || lines == 0) { print "different line counts"; exit 1 }
      printf "max |difference| %.2g over %d lines", worst, lines
      exit worst > tolerance
    }' "$1" "$2"
}

embed "$siglip" > "$work/native.jsonl"
failed=0
# check LABEL ID COMMAND...: runs COMMAND (whose output is embed's) and compares it with the native run.
check() {
  local label=$1 id=$2 start=$SECONDS
  shift 2
  if ! "$@" > "$work/$id.jsonl" 2> "$work/$id.err"; then
    echo "FAILED: $label: the run did not complete"; tail -5 "$work/$id.err"; failed=1; return
  fi
  if result=$(difference "$work/native.jsonl" "$work/$id.jsonl"); then
    echo "ok: $label: $result (tolerance $tolerance), $((SECONDS - start)) s"
  else
    echo "FAILED: $label: $result (tolerance $tolerance)"; failed=1
  fi
}
check "baseline kernels on this CPU (SIGLIP_KERNEL_ISA=baseline)" baseline embed env SIGLIP_KERNEL_ISA=baseline "$siglip"
check "qemu-x86_64 -cpu Haswell (AVX2, no AVX-512)" haswell embed qemu-x86_64 -cpu Haswell "$siglip"
check "qemu-x86_64 -cpu Nehalem (SSE4.2, no AVX)" nehalem embed qemu-x86_64 -cpu Nehalem "$siglip"
exit $failed
