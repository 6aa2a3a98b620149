import { ConfigError, runService } from '@spir-webhooks/shared-types';
import { migrateStore } from './migrateStore';

const usage = 'usage: npm run migrate-store -- --from sqlite:<path> --to postgres://user:password@host:5432/database';

// `npm run migrate-store`: moves an embedded store to PostgreSQL (docs/operations.md, "Moving to PostgreSQL").
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const at = args.indexOf(flag);
    return at < 0 ? undefined : args[at + 1];
  };
  const from = value('--from');
  const to = value('--to');
  if (from === undefined || !from.startsWith('sqlite:') || from === 'sqlite:') {
    throw new ConfigError(`--from must name the SQLite file, as sqlite:./data/dispatcher.db; ${usage}`);
  }
  if (to === undefined || !/^postgres(ql)?:\/\//.test(to)) {
    throw new ConfigError(`--to must be a PostgreSQL URL, as postgres://user:password@host:5432/database; ${usage}`);
  }
  const started = Date.now();
  const { copied } = await migrateStore(from.slice('sqlite:'.length), to);
  for (const [table, rows] of Object.entries(copied)) console.log(`${table.padEnd(20)} ${rows} rows`);
  console.log(
    `Copied in ${((Date.now() - started) / 1000).toFixed(1)} s; counts checked. Start the dispatchers with DATABASE_URL=<the --to URL> and the same SECRETS_KEY.`,
  );
}

runService('migrate-store', main);
