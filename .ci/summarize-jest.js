// Prints jest's totals as the plain line CI reads: `tests: N passed, N failed`.
const { readFileSync } = require('node:fs');

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`jest wrote no readable report at ${file}: ${error.message}`);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
const failedSuites = report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0);
for (const suite of failedSuites) console.log(`suite failed to run: ${suite.name}\n${suite.message}`);
const failed = report.numFailedTests + failedSuites.length;
console.log(`tests: ${report.numPassedTests} passed, ${failed} failed`);
process.exit(failed === 0 && report.numTotalTests > 0 ? 0 : 1);
