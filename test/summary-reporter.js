// Prints the plain closing line CI reads ("tests: N passed, N failed[, N skipped]") as the very last line of the run:
// Jest prints its own summary after every custom reporter, so the line is written when the process exits.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    process.once('exit', () => process.stderr.write(`${line}\n`));
  }
}
module.exports = SummaryReporter;
