/** One jest run over every package; each package's tests sit next to its code. */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/shared-types/src',
    '<rootDir>/dispatcher/src',
    '<rootDir>/zapier-app/src',
    '<rootDir>/receiver-template/src',
    '<rootDir>/bench/src',
  ],
  testMatch: ['**/*.test.ts'],
  // The fault suite runs on its own: jest.faults.config.js.
  testPathIgnorePatterns: ['/node_modules/', '\\.fault\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }] },
  moduleNameMapper: {
    '^@spir-webhooks/shared-types$': '<rootDir>/shared-types/src/index.ts',
    '^@spir-webhooks/shared-types/testing$': '<rootDir>/shared-types/src/testing/index.ts',
    // The dispatcher's faces (package.json exports): testing, store, delivery, config.
    '^@spir-webhooks/dispatcher/(testing|store|delivery|config)$': '<rootDir>/dispatcher/src/$1',
  },
  testTimeout: 30_000,
  // Builds first (incremental: seconds when nothing changed), so that no test runs stale dist/
  // files (sender threads, spawned dispatchers and CLIs run the built code).
  globalSetup: '<rootDir>/jest.globalSetup.js',
};
