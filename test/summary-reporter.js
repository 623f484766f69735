// Prints the plain closing line CI reads ("tests: N passed, N failed[, N skipped]") as the very last line of the run:
// Jest prints its own summary after every custom reporter, so the line is written when the process exits, straight to
// fd 2 (once a forced exit has begun, Jest drops what goes through process.stderr). Before it, one line per group of
// skipped tests says what did not run, so a skip is never mistaken for a pass. Under scripts/run-tests.sh (which runs the
// SDKs' suites after Jest) the counts go to MANDATE_TEST_SUMMARY_FILE instead, and that script prints the closing line
// over every suite; Jest's own line then reads "jest: …".
const fs = require('fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skippedGroups = new Map();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending' && test.status !== 'todo') continue;
        const group = test.ancestorTitles[0] ?? test.title;
        skippedGroups.set(group, (skippedGroups.get(group) ?? 0) + 1);
      }
    }
    const skipped = results.numPendingTests + results.numTodoTests;
    const counts = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    const file = process.env.MANDATE_TEST_SUMMARY_FILE;
    if (file) {
      const summary = { passed: results.numPassedTests, failed: results.numFailedTests, skipped, skipped_groups: Object.fromEntries(skippedGroups) };
      fs.writeFileSync(file, JSON.stringify(summary));
      process.once('exit', () => fs.writeSync(2, `jest: ${counts}\n`));
      return;
    }
    const lines = [...skippedGroups].map(([group, count]) => `skipped ${count}: ${group}`);
    lines.push(`tests: ${counts}`);
    process.once('exit', () => fs.writeSync(2, `${lines.join('\n')}\n`));
  }
}
module.exports = SummaryReporter;
