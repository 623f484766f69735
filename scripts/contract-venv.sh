#!/usr/bin/env bash
# The Python tools of the contract fuzzing (schemathesis, from PyPI) in a virtual environment of the project's own,
# .cache/venv (gitignored): created when missing, reused otherwise. `npm test` and .ci/run call it; prints its path.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/venv
SCHEMATHESIS_VERSION=4.32.5
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "== creating $VENV with schemathesis $SCHEMATHESIS_VERSION" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
echo "$PWD/$VENV"
