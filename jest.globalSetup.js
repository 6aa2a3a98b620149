// Before any test: the TypeScript build, incremental. Sender threads, spawned dispatchers and the
// CLIs under test run dist/, so a test run after an edit without it would test the old code.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = function buildBeforeTests() {
  execFileSync(process.execPath, [join(__dirname, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
    cwd: __dirname,
    stdio: 'inherit',
  });
};
