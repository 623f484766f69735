#!/usr/bin/env bash
# The SDKs' own checks and suites, against a real Mandate they start on loopback from the build in dist/:
# the Python SDK's linter (ruff), type check (mypy --strict) and pytest suite. Writes the counts to
# .cache/sdk-summary.json for scripts/run-tests.sh; exits non-zero if any check or test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="$(bash scripts/sdk-venv.sh)" || exit 1
BIN="$VENV/bin"
status=0
checks_failed=0
echo "== Python SDK: ruff, mypy --strict, pytest"
( cd sdks/python && "$BIN/ruff" check src tests && "$BIN/ruff" format --check src tests ) || { echo "ruff: FAILED"; checks_failed=$((checks_failed + 1)); }
( cd sdks/python && "$BIN/mypy" ) || { echo "mypy: FAILED"; checks_failed=$((checks_failed + 1)); }
rm -f .cache/pytest-sdk.xml
( cd sdks/python && timeout --kill-after=30s 20m "$BIN/pytest" -q -p no:cacheprovider --junitxml=../../.cache/pytest-sdk.xml ) || status=1
"$BIN/python" - "$checks_failed" <<'PY'
import json, sys, xml.etree.ElementTree as ET
checks_failed = int(sys.argv[1])
summary = {"passed": 0, "failed": checks_failed, "skipped": 0, "skipped_groups": {}}
try:
    root = ET.parse(".cache/pytest-sdk.xml").getroot()
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            summary["failed"] += 1
        elif case.find("skipped") is not None:
            summary["skipped"] += 1
            group = "Python SDK: " + case.get("classname", "?")
            summary["skipped_groups"][group] = summary["skipped_groups"].get(group, 0) + 1
        else:
            summary["passed"] += 1
except (FileNotFoundError, ET.ParseError):
    summary["failed"] += 1  # the suite did not run to its end
json.dump(summary, open(".cache/sdk-summary.json", "w"))
print(f"Python SDK: {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped"
      + (f" (incl. {checks_failed} failed check(s): ruff/mypy)" if checks_failed else ""))
PY
[ "$checks_failed" -eq 0 ] || status=1
exit $status
