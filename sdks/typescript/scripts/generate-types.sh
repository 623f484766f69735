#!/usr/bin/env bash
# The SDK's request and response types, generated from the server's OpenAPI document (dist/openapi.json, written by
# `npm run build` at the repository root) with openapi-typescript, so they cannot drift from what the server validates
# and answers. Usage: scripts/generate-types.sh [output]   (default: src/generated/openapi.ts; test/contract.test.ts
# generates into a temp file and compares)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-src/generated/openapi.ts}"
DOCUMENT=../../dist/openapi.json
[ -f "$DOCUMENT" ] || { echo "$DOCUMENT is missing: run \`npm run build\` at the repository root first" >&2; exit 1; }
node_modules/.bin/openapi-typescript "$DOCUMENT" --output "$OUT" --root-types --root-types-no-schema-prefix >&2
