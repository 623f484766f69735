#!/usr/bin/env bash
# The browser of the console's end-to-end suite (test/e2e/console.e2e.ts): Chromium from Debian's packages, installed
# with apt-get when /usr/bin/chromium is missing (as root), never a browser build downloaded by a driver. `npm test`
# and .ci/run call it; prints the executable's path, which playwright-core launches.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  echo "== installing chromium from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
echo "$CHROMIUM"
