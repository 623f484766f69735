#!/usr/bin/env bash
# Every suite `npm test` runs, after the build and the services: Jest (unit, integration, end-to-end in both
# topologies, contract fuzzing, the TypeScript SDK's suite), then the Python SDK's checks and suite
# (scripts/test-sdks.sh). Ends with the one closing line CI reads, over all of them: "tests: N passed, N failed[,
# N skipped]", after a line per group of skipped tests.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
rm -f .cache/jest-summary.json .cache/sdk-summary.json
MANDATE_TEST_SUMMARY_FILE=.cache/jest-summary.json timeout --kill-after=30s 60m npx jest "$@"
jest_status=$?
bash scripts/test-sdks.sh
sdk_status=$?
node - <<'JS'
const fs = require('fs');
const read = (file, what) => {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); }
  catch { return { passed: 0, failed: 1, skipped: 0, skipped_groups: {}, missing: what }; }
};
const parts = [read('.cache/jest-summary.json', 'Jest'), read('.cache/sdk-summary.json', 'the SDK suites')];
const lines = [];
for (const part of parts) {
  if (part.missing) lines.push(`did not finish: ${part.missing}`);
  for (const [group, count] of Object.entries(part.skipped_groups)) lines.push(`skipped ${count}: ${group}`);
}
const sum = (key) => parts.reduce((n, part) => n + part[key], 0);
const skipped = sum('skipped');
lines.push(`tests: ${sum('passed')} passed, ${sum('failed')} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
console.log(lines.join('\n'));
JS
[ $jest_status -eq 0 ] && [ $sdk_status -eq 0 ]
