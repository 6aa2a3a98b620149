/**
 * The dispatcher's whole-path tests again, on PostgreSQL (`npm run test:postgres`, also run by
 * .ci/run): every test dispatcher gets a fresh database on the cluster that script starts. Left
 * out: tests of what only the embedded engine has (its file, its locking, its WAL sync), tests that
 * start their own cluster (the store contract and the schema's indexes on both engines, the
 * PostgreSQL migrations of a database in use), and the other packages' tests, which do not depend
 * on the engine.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/dispatcher/src'],
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    '/store/sqlite/',
    '/store/deliveryHandoff\\.test\\.ts$',
    '/store/storeContract(Records)?\\.test\\.ts$',
    '/ops/migrateStore\\.test\\.ts$',
    '/store/foreignKeyIndexes\\.test\\.ts$',
    '/store/postgres/pgMigrations\\.test\\.ts$',
    '/delivery/worker/crashRecovery\\.test\\.ts$',
    '/ops/logger\\.test\\.ts$',
    '/startupErrors\\.test\\.ts$',
    '/console/consoleBrowser\\.test\\.ts$',
  ],
};
