#!/usr/bin/env bash
# Fuzzes the running API from its own /openapi.json with schemathesis: every operation, generated and
# mutated inputs; fails on any 5xx, or a status or content type the document does not list.
set -euo pipefail
siglip=$1 model=$2 images=$3
work=$(mktemp -d)
out="$work/server.out"
: > "$out"
"$siglip" serve --model "$model" --index "$work/index" --root "$images" --port 0 > "$out" 2>"$work/server.err" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$out" && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$out" | head -1)
# Something to search and delete.
curl -sf -H 'Content-Type: application/json' -d '{"paths": ["photo_rocket.jpg", "photo_chelsea_q90.jpg"]}' "http://127.0.0.1:$port/v1/index" > /dev/null
.venv-serve/bin/schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${FUZZ_EXAMPLES:-200}" --seed 1 --no-color
kill -0 $server   # still up
