#!/usr/bin/env bash
# The TypeScript SDK (sdks/typescript, @mandate/sdk), ready for its tests: its own dependencies installed with `npm ci`
# into sdks/typescript/node_modules when its package-lock.json changed (or nothing is installed yet; the lock's hash is
# kept in .cache/sdk-typescript.stamp), then its type check (sources and tests, strict) and its build (dist/: CommonJS
# and ES modules with declarations). Never touches the root's node_modules. `npm test` and .ci/run call it before
# Jest, whose `sdk-typescript` project runs the SDK's tests against a real Mandate.
set -euo pipefail
cd "$(dirname "$0")/.."
SDK=sdks/typescript
STAMP=.cache/sdk-typescript.stamp
WANT="$(sha256sum "$SDK/package-lock.json" | cut -d' ' -f1)"
if [ ! -d "$SDK/node_modules" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "== TypeScript SDK: npm ci in $SDK (its package-lock.json changed, or nothing is installed)"
  ( cd "$SDK" && npm ci --no-audit --no-fund )
  mkdir -p .cache
  echo "$WANT" > "$STAMP"
else
  echo "== TypeScript SDK: dependencies up to date ($STAMP)"
fi
echo "== TypeScript SDK: type check (tsc -p tsconfig.test.json)"
( cd "$SDK" && npm run --silent typecheck )
echo "== TypeScript SDK: build (tsc twice: dist/cjs, dist/esm)"
( cd "$SDK" && npm run --silent build )
