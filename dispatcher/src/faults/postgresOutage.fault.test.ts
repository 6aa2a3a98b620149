import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { addTeamWithWebhook, spawnDispatcher, type DispatcherProcess } from '../testing/dispatcherProcess';
import { postEvent } from '../testing/dispatcherRig';
import { freePort } from '../testing/freePort';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { waitFor } from '../testing/waitFor';
import { cloneSample } from '@spir-webhooks/shared-types';

// The database goes away in the middle of a load: ingest answers 503 (never 500, never a crash),
// nothing acknowledged is lost, and delivery resumes once the database is back.
const describeOnPostgres = postgresAvailable() ? describe : describe.skip;

describeOnPostgres('a PostgreSQL outage under load', () => {
  let postgres: TestPostgres;
  let receiver: HttpsReceiver;
  let dispatcher: DispatcherProcess;
  let folder: string;
  let stopped = false;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const ca = await createThrowawayCa();
    folder = mkdtempSync(join(tmpdir(), 'spir-pg-outage-'));
    writeFileSync(join(folder, 'ca.pem'), ca.caCert);
    receiver = await startHttpsReceiver(ca, ['receiver.test']);
    dispatcher = await spawnDispatcher(
      {
        DATABASE_URL: await postgres.createDatabase('outage'),
        DATA_DIR: folder,
        INTERNAL_API_TOKEN: 'internal-token-for-process-tests',
        WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
        NODE_EXTRA_CA_CERTS: join(folder, 'ca.pem'),
        RETRY_INTERVAL_SECONDS: '0.2',
      },
      await freePort(),
    );
  }, 60_000);

  afterAll(async () => {
    stopped = true;
    await dispatcher?.kill();
    await receiver?.close();
    postgres?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('answers 503 while the database is down, loses nothing acknowledged, and resumes', async () => {
    await addTeamWithWebhook(dispatcher, `https://receiver.test:${receiver.port}/hook`);
    const acknowledged = new Set<string>();
    const statuses = new Map<number | undefined, number>();
    let next = 0;
    // The load runs until the database has been down and back, and 300 more events went in after:
    // how fast the machine is decides how many events that takes, not whether the outage is seen.
    const back: { acknowledged?: number } = {};
    const done = () => back.acknowledged !== undefined && acknowledged.size >= back.acknowledged + 300;
    const producer = async () => {
      while (!done() && !stopped) {
        const id = `outage-${next++}`;
        const body = JSON.stringify({
          teamId: 't1',
          urlKind: 'template',
          event: { ...cloneSample('form.answered'), webhookEventId: id },
        });
        for (;;) {
          const status = await postEvent(dispatcher.internalUrl, body);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 202) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        acknowledged.add(id);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, producer));
    await waitFor('some events acknowledged', () => (acknowledged.size > 100 ? true : undefined));
    postgres.pause();
    await waitFor(`ingest refused while the database is down (so far ${JSON.stringify([...statuses])})`, () =>
      (statuses.get(503) ?? 0) > 0 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    postgres.resume();
    back.acknowledged = acknowledged.size;
    await load;
    // An ingest or a claim whose COMMIT the outage cut may have taken effect all the same: the
    // leases it wrote are given back once the database is back (pgLeaseReturns.ts), so nothing
    // waits for its lease to end (65 s here), and 60 s is enough.
    await waitFor(
      'every acknowledged event at the receiver',
      () => {
        const ids = new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
        return [...acknowledged].every((id) => ids.has(id)) ? true : undefined;
      },
      60_000,
    );
    expect(dispatcher.child.exitCode).toBeNull();
    expect([...statuses.keys()].filter((status) => status !== 202 && status !== 503)).toEqual([]);
    console.log(
      `PostgreSQL outage: ${acknowledged.size} acknowledged and delivered; answers ${JSON.stringify([...statuses])}`,
    );
  }, 180_000);
});
