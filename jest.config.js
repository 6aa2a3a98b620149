/** One jest run over every package; each package's tests sit next to its code. */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/shared-types/src',
    '<rootDir>/dispatcher/src',
    '<rootDir>/zapier-app/src',
    '<rootDir>/receiver-template/src',
  ],
  testMatch: ['**/*.test.ts'],
  // The fault suite runs on its own: jest.faults.config.js.
  testPathIgnorePatterns: ['/node_modules/', '\\.fault\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }] },
  moduleNameMapper: {
    '^@spir-webhooks/shared-types$': '<rootDir>/shared-types/src/index.ts',
    '^@spir-webhooks/shared-types/testing$': '<rootDir>/shared-types/src/testing/index.ts',
    '^@spir-webhooks/dispatcher/testing$': '<rootDir>/dispatcher/src/testing/index.ts',
  },
  testTimeout: 30_000,
  // Builds first (incremental: seconds when nothing changed), so that no test runs stale dist/
  // files (sender threads, spawned dispatchers and CLIs run the built code).
  globalSetup: '<rootDir>/jest.globalSetup.js',
};
