#!/usr/bin/env bash
# Installs the Debian packages the build links against, only those that are missing.
set -euo pipefail
packages=(pkg-config libopenblas-dev libdnnl-dev libturbojpeg0-dev libjpeg62-turbo-dev libpng-dev libwebp-dev libgif-dev libsqlite3-dev libfaiss-dev liblapack-dev libopenmpi-dev openmpi-bin)
# `make test-browser` drives the web page in headless Chromium; `make test` does not need it.
[ "${1:-}" = "--browser" ] && packages=(chromium python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
