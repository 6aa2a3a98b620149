import { Writable } from 'node:stream';
import pino from 'pino';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { dispatcherIdentity, peerSettings, settingDifferences } from './peerSettings';

const settings = { maxRetries: 100, requestTimeoutMs: 2_500, retryIntervalMs: 600_000 };

it('names a dispatcher within PostgreSQL’s 63-byte application_name, and reads it back', () => {
  const identity = dispatcherIdentity(settings);
  expect(Buffer.byteLength(identity)).toBeLessThanOrEqual(63);
  expect(peerSettings(identity)).toEqual(settings);
  expect(dispatcherIdentity(settings)).not.toBe(identity);
  expect(peerSettings('psql')).toBeUndefined();
});

it('names each setting that differs, with both values, and nothing when all agree', () => {
  expect(settingDifferences(settings, [settings, settings])).toEqual([]);
  const differences = settingDifferences(settings, [
    settings,
    { ...settings, maxRetries: 3 },
    { ...settings, maxRetries: 4, requestTimeoutMs: 30_000 },
  ]);
  expect(differences).toHaveLength(2);
  expect(differences[0]).toMatch(/^MAX_RETRIES=100 here, but 3 and 4 on other running dispatchers/);
  expect(differences[1]).toMatch(/^REQUEST_TIMEOUT_SECONDS=2.5 here, but 30 on other/);
});

const describeOnPostgres = postgresAvailable() ? describe : describe.skip;

describeOnPostgres('dispatchers sharing one PostgreSQL database', () => {
  let postgres: TestPostgres;
  const started: TestDispatcher[] = [];
  beforeAll(async () => {
    postgres = await startTestPostgres();
  });
  afterAll(async () => {
    for (const dispatcher of started) await dispatcher.close();
    postgres.stop();
  });

  const start = async (url: string, env: Record<string, string>) => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const dispatcher = await startTestDispatcher({ DATABASE_URL: url, ...env }, { logger: pino(sink) });
    started.push(dispatcher);
    return lines.filter((line) => line.level === 40 && line.msg.includes('dispatchers')).map((line) => line.msg);
  };

  it('logs at start the retry settings in which a running peer differs, and starts all the same', async () => {
    const url = await postgres.createDatabase('peers');
    expect(await start(url, { MAX_RETRIES: '5', REQUEST_TIMEOUT_SECONDS: '30' })).toEqual([]);
    expect(await start(url, { MAX_RETRIES: '5', REQUEST_TIMEOUT_SECONDS: '30' })).toEqual([]);
    const warnings = await start(url, { MAX_RETRIES: '3', REQUEST_TIMEOUT_SECONDS: '10' });
    expect(warnings).toEqual([
      'MAX_RETRIES=3 here, but 5 on other running dispatchers sharing this database: each applies its own value to the deliveries it claims',
      'REQUEST_TIMEOUT_SECONDS=10 here, but 30 on other running dispatchers sharing this database: each applies its own value to the deliveries it claims',
    ]);
    expect((await started[2]!.call('GET', '/readyz')).status).toBe(200);
  });
});
