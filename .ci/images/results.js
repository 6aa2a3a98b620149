// The image job's checks as a jest JSON report (the shape .ci/summarize-jest.js reads), from the
// lines check() wrote: `passed|failed <TAB> name <TAB> output`.
//   node results.js RESULTS_TSV OUTPUT_JSON
const { readFileSync, writeFileSync } = require('node:fs');

const [tsv, output] = process.argv.slice(2);
let lines = [];
try {
  lines = readFileSync(tsv, 'utf8').split('\n').filter(Boolean);
} catch {
  // No checks ran at all (a build failed first): the report below is one failed suite with none.
}
const assertionResults = lines.map((line) => {
  const [status, title, message = ''] = line.split('\t');
  return { title, fullName: `images: ${title}`, status, failureMessages: status === 'failed' ? [message] : [] };
});
const failed = assertionResults.filter((a) => a.status === 'failed').length;
const report = {
  numPassedTests: assertionResults.length - failed,
  numFailedTests: failed,
  numTotalTests: assertionResults.length,
  success: failed === 0 && assertionResults.length > 0,
  testResults: [
    {
      name: '.ci/images/run.sh',
      status: failed === 0 && assertionResults.length > 0 ? 'passed' : 'failed',
      message: assertionResults.length === 0 ? `no image check ran: see ${tsv.replace(/[^/]+$/, 'logs/')}` : '',
      assertionResults,
    },
  ],
};
writeFileSync(output, JSON.stringify(report, null, 2));
