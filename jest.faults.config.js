/**
 * The fault suite (`npm run test:faults`, also run by .ci/run): processes killed under load, a
 * store that cannot write, a mail server that is down, a thousand malformed bodies, and a
 * PostgreSQL that goes away (stopped, or a connection cut during a COMMIT), a WAL sync that fails.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/dispatcher/src'],
  testMatch: [
    '**/*.fault.test.ts',
    '**/notify/failureEmailDelivery.test.ts',
    '**/notify/failureEmailAfterCrash.test.ts',
  ],
  testPathIgnorePatterns: [],
  testTimeout: 180_000,
};
