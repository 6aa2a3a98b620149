import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa, type ThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

// A team that grew out of the embedded store: its keys, webhooks and delivery log, moved by
// `npm run migrate-store` into PostgreSQL, are served from there as they were.
const itOnPostgres = postgresAvailable() ? it : it.skip;
const cli = join(__dirname, '..', '..', 'dist', 'ops', 'migrateStoreCli.js');
const secretsKey = randomBytes(32).toString('base64');

let ca: ThrowawayCa;
let receiver: HttpsReceiver;
let postgres: TestPostgres | undefined;
const folders: string[] = [];
const running: TestDispatcher[] = [];

beforeAll(async () => {
  ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
});

afterAll(async () => {
  for (const dispatcher of running) await dispatcher.close();
  await receiver.close();
  postgres?.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function start(databaseUrl: string): Promise<TestDispatcher> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spir-migrate-'));
  folders.push(dataDir);
  const dispatcher = await startTestDispatcher(
    {
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      SECRETS_KEY: secretsKey,
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
    },
    { ca: [ca.caCert] },
  );
  running.push(dispatcher);
  return dispatcher;
}

function migrate(from: string, to: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, '--from', from, '--to', to], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code), output: stdout + stderr }),
    );
  });
}

itOnPostgres(
  'moves keys, webhooks (secrets sealed) and the delivery log to PostgreSQL, which serves them as before',
  async () => {
    const sqliteFolder = mkdtempSync(join(tmpdir(), 'spir-migrate-sqlite-'));
    folders.push(sqliteFolder);
    const sqlitePath = join(sqliteFolder, 'dispatcher.db');
    const embedded = await start(`sqlite:${sqlitePath}`);
    const apiKey = await embedded.createTeam('grown');
    const created = await embedded.call('POST', '/v1/webhooks', {
      token: apiKey,
      body: { url: `https://receiver.test:${receiver.port}/moved`, event: 'form.answered' },
    });
    const secret = created.body.secret as string;
    const ingested = await embedded.call('POST', '/internal/v1/events', {
      body: {
        teamId: 'grown',
        urlKind: 'template',
        event: { ...cloneSample('form.answered'), webhookEventId: 'before' },
      },
    });
    const deliveryId = ingested.body.deliveries[0] as string;
    const before = await waitFor('the first delivery', async () => {
      const { body } = await embedded.call('GET', `/v1/deliveries/${deliveryId}`, { token: apiKey });
      return body.status === 'succeeded' ? body : undefined;
    });
    await embedded.close();
    running.splice(running.indexOf(embedded), 1);

    postgres = await startTestPostgres();
    const target = await postgres.createDatabase('moved');
    const moved = await migrate(`sqlite:${sqlitePath}`, target);
    expect(moved.code).toBe(0);
    expect(moved.output).toMatch(/deliveries\s+1 rows/);
    expect(moved.output).toContain('counts checked');

    const shared = await start(target);
    expect(shared.store.engine).toBe('postgres');
    const webhooks = await shared.call('GET', '/v1/webhooks', { token: apiKey });
    expect(webhooks.body.data.map((w: { id: string }) => w.id)).toEqual([created.body.id]);
    const after = await shared.call('GET', `/v1/deliveries/${deliveryId}`, { token: apiKey });
    expect(after.body).toEqual(before);

    // A new event is signed with the secret the team was given on the embedded store.
    await shared.call('POST', '/internal/v1/events', {
      body: {
        teamId: 'grown',
        urlKind: 'template',
        event: { ...cloneSample('form.answered'), webhookEventId: 'after' },
      },
    });
    const request = await waitFor('the delivery from PostgreSQL', () =>
      receiver.received.find((r) => r.headers['webhook-id'] === 'after'),
    );
    expect(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();

    const again = await migrate(`sqlite:${sqlitePath}`, target);
    expect(again.code).toBe(2);
    expect(again.output).toContain('migrate-store: --to holds data already (1 teams, 2 events, 2 deliveries)');
  },
  60_000,
);

it('ends with one sentence and exit code 2 when --to is not a PostgreSQL URL', async () => {
  const { code, output } = await migrate('sqlite:./nowhere.db', 'mysql://x');
  expect(code).toBe(2);
  expect(output).toContain('migrate-store: --to must be a PostgreSQL URL');
  expect(output).not.toMatch(/^\s+at /m);
});
