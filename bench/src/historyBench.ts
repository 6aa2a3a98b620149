import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { inviteeEmailOfBody, openStore } from '@spir-webhooks/dispatcher/store';
import { freePort, spawnDispatcher, startTestPostgres } from '@spir-webhooks/dispatcher/testing';
import { startBenchReceiver } from './benchProcesses';
import { benchDispatcherEnv, writeBenchCertificates } from './benchSetup';
import { writeBenchFigures } from './benchReport';
import {
  bigTeam,
  emailOfIndex,
  eventIdOfIndex,
  fillHistory,
  smallTeam,
  teamOfIndex,
  writeTemplates,
  type HistoryShape,
  type SqlRunner,
} from './historyFill';
import { ingestTiming, ingestUntil, storm, timeRoutes } from './historyMeasure';

// `npm run bench:history [-- --engine sqlite|postgres|both] [--scale 0.05]`: a store holding 31
// days of history (1,000 teams, 2 million deliveries at scale 1, 15% of them one big team's), then
// through a real dispatcher over HTTP: each team API route for the big team and a small one, the
// small team's ingest and first attempt quiet and while the big team searches at its rate limit,
// and the retention purge of the expired day at start-up. It reports; it asserts nothing.

const argument = (name: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const engineArgument = argument('engine') ?? 'both';
const scale = Number(argument('scale') ?? 1);
if (!['sqlite', 'postgres', 'both'].includes(engineArgument) || !(scale > 0 && scale <= 1)) {
  console.error('usage: npm run bench:history -- [--engine sqlite|postgres|both] [--scale <0..1>, 1 = 2M deliveries]');
  process.exit(2);
}
const token = 'bench-internal-token-of-the-history-bench';
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const load = () => loadavg().map((l) => Math.round(l * 10) / 10);

/** The indexes of history deliveries of `teamId`, the first `count`. */
function indexesOf(teamId: string, shape: HistoryShape, count: number): number[] {
  const found: number[] = [];
  for (let i = shape.deliveries - 1; i >= 0 && found.length < count; i--)
    if (teamOfIndex(i, shape) === teamId) found.push(i);
  return found;
}

function routesOf(teamId: string, shape: HistoryShape, deliveryIds: string[]) {
  const mine = indexesOf(teamId, shape, 200);
  const pick = (k: number) => mine[(k * 37) % mine.length]!;
  const since = new Date(shape.now - 7 * 24 * 3600_000).toISOString();
  const until = new Date(shape.now - 6 * 24 * 3600_000).toISOString();
  return {
    'GET /v1/deliveries': () => '/v1/deliveries',
    'GET /v1/deliveries?status=failed': () => '/v1/deliveries?status=failed',
    'GET /v1/deliveries?status=succeeded': () => '/v1/deliveries?status=succeeded',
    'GET /v1/deliveries?event=form.answered': () => '/v1/deliveries?event=form.answered',
    'GET /v1/deliveries?webhookId=': () => `/v1/deliveries?webhookId=wh_${teamId}`,
    'GET /v1/deliveries?since=&until=': () =>
      `/v1/deliveries?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`,
    // An email as a person types it: the case differs from the stored key's.
    'GET /v1/deliveries?q=<email>': (k: number) =>
      `/v1/deliveries?q=${encodeURIComponent(emailOfIndex(pick(k)).replace('invitee', 'Invitee').toUpperCase())}`,
    'GET /v1/deliveries?q=<webhookEventId>': (k: number) => `/v1/deliveries?q=${eventIdOfIndex(pick(k))}`,
    'GET /v1/deliveries/:id': (k: number) => `/v1/deliveries/${deliveryIds[k % deliveryIds.length]}`,
    'GET /v1/events': () => '/v1/events',
    'GET /v1/webhooks': () => '/v1/webhooks',
  };
}

async function sqliteRunner(path: string) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const runner: SqlRunner = {
    dialect: 'sqlite',
    run: async (sql) => void db.exec(sql),
    rows: async <T>(sql: string) => db.prepare(sql).all() as T[],
  };
  return { runner, close: async () => void db.close() };
}

async function postgresRunner(url: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  const runner: SqlRunner = {
    dialect: 'postgres',
    run: async (sql) => void (await client.query(sql)),
    rows: async <T>(sql: string) => (await client.query(sql)).rows as T[],
  };
  return { runner, close: () => client.end() };
}

async function benchEngine(engine: 'sqlite' | 'postgres', dir: string) {
  const { files } = await writeBenchCertificates(dir);
  const receiver = await startBenchReceiver(files.cert, files.key);
  const postgres = engine === 'postgres' ? await startTestPostgres() : undefined;
  try {
    const sqlitePath = join(dir, `${engine}.db`);
    const databaseUrl = postgres === undefined ? `sqlite:${sqlitePath}` : await postgres.createDatabase('history');
    const shape: HistoryShape = {
      teams: 1_000,
      deliveries: Math.round(2_000_000 * scale),
      bigShare: 0.15,
      days: 30,
      now: Date.now(),
      port: receiver.port,
    };
    log(`${engine}: filling ${shape.deliveries} deliveries, load ${load().join(' ')}`);
    const fillStarted = Date.now();
    const store = await openStore({
      database:
        postgres === undefined
          ? { engine: 'sqlite', path: sqlitePath }
          : { engine: 'postgres', url: databaseUrl, poolSize: 2 },
    });
    await writeTemplates(store, shape);
    await store.close();
    const connection = postgres === undefined ? await sqliteRunner(sqlitePath) : await postgresRunner(databaseUrl);
    const base = await fillHistory(connection.runner, shape, log);
    // Statistics, as autovacuum gathers them within a minute of such growth.
    if (engine === 'postgres') await connection.runner.run('ANALYZE');
    else await connection.runner.run('PRAGMA wal_checkpoint(TRUNCATE)');
    const fillSeconds = Math.round((Date.now() - fillStarted) / 1000);
    // The search key of the bulk rows, against the store's own rule (store/searchKeys.ts).
    const sample = await connection.runner.rows<{ body: string; invitee_email: string }>(
      `SELECT e.body, d.invitee_email FROM deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.event_id % ${Math.max(1, Math.floor(shape.deliveries / 200))} = 0`,
    );
    const keyMismatches = sample.filter((row) => inviteeEmailOfBody(row.body) !== row.invitee_email).length;
    const [sized] = await connection.runner.rows<{ bytes: number }>(
      engine === 'postgres' ? 'SELECT pg_database_size(current_database()) AS bytes' : 'SELECT 0 AS bytes',
    );
    await connection.close();
    const storeBytes =
      engine === 'postgres'
        ? Number(sized!.bytes)
        : statSync(sqlitePath).size + (existsSync(`${sqlitePath}-wal`) ? statSync(`${sqlitePath}-wal`).size : 0);
    const bytesPerDelivery = Math.round(storeBytes / shape.deliveries);
    log(
      `${engine}: filled in ${fillSeconds} s, ${bytesPerDelivery} bytes/delivery, search keys checked ${sample.length} (${keyMismatches} differ)`,
    );

    // The dispatcher purges the expired day as it starts: the small team ingests meanwhile.
    const dataDir = join(dir, `${engine}-data`);
    const env = {
      ...benchDispatcherEnv({
        dataDir,
        databaseUrl,
        token,
        hosts: [`${bigTeam}.bench.test`, `${smallTeam}.bench.test`],
        caFile: files.ca,
      }),
      RETENTION_DAYS: '30',
    };
    const dispatcher = await spawnDispatcher(env, await freePort());
    const purgeLine = () => /^.*"event":"retention_purge".*$/m.exec(dispatcher.output())?.[0];
    let purgeEndedAt: number | undefined;
    const watch = setInterval(() => {
      if (purgeEndedAt === undefined && purgeLine() !== undefined) purgeEndedAt = Date.now();
    }, 20);
    const duringPurge = await ingestUntil(
      dispatcher,
      token,
      smallTeam,
      `purge-${engine}`,
      20,
      2_400,
      () => purgeEndedAt !== undefined,
    );
    clearInterval(watch);
    const purged = JSON.parse(purgeLine() ?? '{"ms":null}') as { ms: number | null; deliveries?: number };
    const purge = {
      ms: purged.ms,
      deliveries: purged.deliveries ?? 0,
      ingestDuring: (await ingestTiming(receiver, duringPurge)).ingest,
    };
    log(`${engine}: purge ${JSON.stringify(purge)}`);

    const keys: Record<string, string> = {};
    for (const teamId of [bigTeam, smallTeam])
      keys[teamId] = (
        (await dispatcher.call('POST', `/internal/v1/teams/${teamId}/api-keys`)) as { apiKey: string }
      ).apiKey;
    const requests = Math.max(40, Math.round(200 * Math.sqrt(scale)));
    const routes: Record<string, unknown> = {};
    for (const teamId of [bigTeam, smallTeam]) {
      const ids = (
        (await dispatcher.call('GET', '/v1/deliveries?limit=100', undefined, keys[teamId])) as {
          data: { id: string }[];
        }
      ).data.map((d) => d.id);
      routes[teamId] = await timeRoutes(dispatcher.url, keys[teamId]!, routesOf(teamId, shape, ids), requests, 40);
      log(`${engine}: routes of ${teamId}: ${JSON.stringify(routes[teamId])}`);
    }

    const probe = async (label: string) =>
      ingestTiming(
        receiver,
        await ingestUntil(dispatcher, token, smallTeam, `${label}-${engine}`, 20, 400, () => false),
      );
    const quiet = await probe('quiet');
    const searches = routesOf(bigTeam, shape, [])['GET /v1/deliveries?q=<email>'];
    const running = storm(dispatcher.url, keys[bigTeam]!, searches, 100);
    const duringStorm = await probe('storm');
    const stormSearches = await running.stop();
    log(
      `${engine}: ingest quiet ${JSON.stringify(quiet)}; storm ${JSON.stringify(duringStorm)}; searches ${JSON.stringify(stormSearches)}`,
    );
    await dispatcher.stop();
    return {
      scale,
      deliveries: shape.deliveries,
      teams: shape.teams,
      bigTeamDeliveries: Math.round(shape.deliveries * shape.bigShare),
      firstHistoryEventId: base,
      fillSeconds,
      searchKeysChecked: sample.length,
      searchKeyMismatches: keyMismatches,
      storeBytes,
      bytesPerDelivery,
      purge,
      routes,
      ingest: { quiet, duringStorm, storm: stormSearches },
      loadAverage: load(),
    };
  } finally {
    receiver.stop();
    postgres?.stop();
  }
}

async function main(): Promise<void> {
  const figures: Record<string, unknown> = { startedAt: new Date().toISOString(), scale, loadAverageAtStart: load() };
  for (const engine of ['sqlite', 'postgres'] as const) {
    if (engineArgument !== 'both' && engineArgument !== engine) continue;
    const dir = mkdtempSync(join(tmpdir(), `spir-history-${engine}-`));
    try {
      figures[engine] = await benchEngine(engine, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    log(`figures written to ${writeBenchFigures('history.json', figures)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
