#!/usr/bin/env bash
# The Python SDK (sdks/python) and its test tools (pytest, mypy, ruff, LangChain) in a virtual environment of the
# project's own, .cache/sdk-venv (gitignored): created when missing, reinstalled when the SDK's pyproject.toml changed,
# reused otherwise. `npm test` and .ci/run call it; prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/sdk-venv
STAMP="$VENV/.mandate-sdk-stamp"
WANT="$(sha256sum sdks/python/pyproject.toml | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "== installing the Python SDK and its test tools into $VENV" >&2
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -e 'sdks/python[test]' >&2
  echo "$WANT" > "$STAMP"
fi
echo "$PWD/$VENV"
