#!/usr/bin/env bash
# Proves the package works as a SwiftPM dependency: copies this working tree into a temporary git repository
# tagged 1.0.0, builds scripts/consumer (a package depending on it with `.package(url: "file://…", from: "1.0.0")`
# and on its SigLIP product) in release mode, runs it on MODEL_DIR and checks the embedding it prints.
# SwiftPM refuses packages with unsafe flags as URL dependencies, so this also guards against their return.
# Usage: scripts/consumer-check.sh MODEL_DIR
set -euo pipefail
model=$(realpath "$1")
start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The files git would commit (tracked and untracked, not ignored), as they are in the working tree.
mkdir "$work/swift-siglip"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$work/swift-siglip"
git -C "$work/swift-siglip" init -q
git -C "$work/swift-siglip" add -A
git -C "$work/swift-siglip" -c user.name=consumer-check -c user.email=consumer-check@localhost commit -qm snapshot
git -C "$work/swift-siglip" tag 1.0.0

cp -R scripts/consumer "$work/consumer"
sed -i "s|@SIGLIP_PACKAGE_URL@|file://$work/swift-siglip|" "$work/consumer/Package.swift"
if ! (cd "$work/consumer" && swift build -c release > "$work/build.log" 2>&1); then
  echo "FAILED: consumer package did not build against swift-siglip 1.0.0:"; tail -30 "$work/build.log"; exit 1
fi
output=$("$work/consumer/.build/release/siglip-consumer" "$model")
echo "$output"
# The normalised embedding must have norm 1 and the raw one a finite positive norm.
if ! echo "$output" | awk '{ exit !($5 > 0 && $5 < 1e30 && $8 > 0.9999 && $8 < 1.0001) }'; then
  echo "FAILED: consumer package printed unexpected norms"; exit 1
fi
echo "ok: consumer package built and ran against swift-siglip 1.0.0 in $((SECONDS - start)) s"
