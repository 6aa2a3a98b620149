import { spawnSync } from 'node:child_process';
import { startTestPostgres } from './postgresServer';

// `npm run test:postgres [-- jest arguments]`: the dispatcher's tests on PostgreSQL. Starts a
// throwaway cluster, points every test dispatcher at it (TEST_DATABASE_URL), runs jest, stops it.
async function main(): Promise<number> {
  const postgres = await startTestPostgres();
  try {
    const jest = spawnSync('npx', ['jest', '-c', 'jest.postgres.config.js', ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, TEST_DATABASE_URL: postgres.url },
    });
    return jest.status ?? 1;
  } finally {
    postgres.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
