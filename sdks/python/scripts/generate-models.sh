#!/usr/bin/env bash
# The SDK's request and response models, generated from the server's OpenAPI document (dist/openapi.json, written by
# `npm run build`) with datamodel-code-generator, so they cannot drift from what the server validates and answers.
# Usage: scripts/generate-models.sh [output]   (default: src/mandate/_generated.py; tests/test_contract.py compares)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-src/mandate/_generated.py}"
BIN="${MANDATE_SDK_VENV:-../../.cache/sdk-venv}/bin"
# Written beside the package first: the formatter takes its settings (line length) from this project's pyproject.toml.
TMP="$(mktemp src/mandate/.generated-XXXXXX.py)"
trap 'rm -f "$TMP"' EXIT
"$BIN/datamodel-codegen" --input ../../dist/openapi.json --input-file-type openapi --output "$TMP" \
  --output-model-type pydantic_v2.BaseModel --target-python-version 3.11 --use-annotated --use-standard-collections \
  --use-union-operator --field-constraints --enum-field-as-literal all --use-field-description --strict-nullable \
  --disable-timestamp --formatters ruff-format
mv "$TMP" "$OUT"
