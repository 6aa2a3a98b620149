// Prints the totals of one or more jest JSON reports as the plain line CI reads:
// `tests: N passed, N failed`. A suite that failed to run counts as one failure, and so does each
// step .ci/run names in CI_FAILED_STEPS (one per line: build, lint, the receiver fork, ...), whose
// failures no jest report records.
const { readFileSync } = require('node:fs');

let passed = 0;
let failed = 0;
let total = 0;
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`jest wrote no readable report at ${file}: ${error.message}`);
    failed += 1;
    continue;
  }
  const brokenSuites = report.testResults.filter(
    (suite) => suite.status === 'failed' && suite.assertionResults.length === 0,
  );
  for (const suite of brokenSuites) console.log(`suite failed to run: ${suite.name}\n${suite.message}`);
  passed += report.numPassedTests;
  failed += report.numFailedTests + brokenSuites.length;
  total += report.numTotalTests;
}
for (const step of (process.env.CI_FAILED_STEPS ?? '').split('\n').filter(Boolean)) {
  console.log(`step failed: ${step}`);
  failed += 1;
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && total > 0 ? 0 : 1);
