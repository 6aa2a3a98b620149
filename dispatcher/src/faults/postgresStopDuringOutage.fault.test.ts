import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { cloneSample } from '@spir-webhooks/shared-types';
import { addTeamWithWebhook, spawnDispatcher, type DispatcherProcess } from '../testing/dispatcherProcess';
import { postEvent } from '../testing/dispatcherRig';
import { freePort } from '../testing/freePort';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { waitFor } from '../testing/waitFor';

// SIGTERM while the database is down and attempts have just been answered: the dispatcher gives up
// recording their results after a bounded wait and exits (it used to wait for SIGKILL), and the
// deliveries whose results it could not record are sent again by the next dispatcher.
const describeOnPostgres = postgresAvailable() ? describe : describe.skip;

describeOnPostgres('SIGTERM during a PostgreSQL outage', () => {
  let postgres: TestPostgres;
  let receiver: HttpsReceiver;
  let folder: string;
  const dispatchers: DispatcherProcess[] = [];

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const ca = await createThrowawayCa();
    folder = mkdtempSync(join(tmpdir(), 'spir-pg-stop-'));
    writeFileSync(join(folder, 'ca.pem'), ca.caCert);
    receiver = await startHttpsReceiver(ca, ['receiver.test']);
  }, 60_000);

  afterAll(async () => {
    for (const dispatcher of dispatchers) await dispatcher.kill();
    await receiver?.close();
    postgres?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('ends within its bound, logs what it left, and the next dispatcher sends those again', async () => {
    const env = {
      DATABASE_URL: await postgres.createDatabase('stop_during_outage'),
      DATA_DIR: folder,
      INTERNAL_API_TOKEN: 'internal-token-for-process-tests',
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      NODE_EXTRA_CA_CERTS: join(folder, 'ca.pem'),
      // Leases end 2 × 5 + 5 s after a claim: the next dispatcher resends within this test.
      REQUEST_TIMEOUT_SECONDS: '5',
    };
    const first = await spawnDispatcher(env, await freePort());
    dispatchers.push(first);
    // One event for each of three teams: a webhook starts with one attempt in flight (slow start),
    // so three webhooks are what holds three first attempts open at once.
    const ids = ['held-1', 'held-2', 'held-3'];
    for (const [i] of ids.entries())
      await addTeamWithWebhook(first, `https://receiver.test:${receiver.port}/hook`, `t${i + 1}`);
    // The first attempt of each event is held at the receiver until the database is down.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    receiver.answer = () => ({ status: 200, body: 'ok', heldUntil: released });
    for (const [i, id] of ids.entries()) {
      const event = { ...cloneSample('form.answered'), webhookEventId: id };
      const body = JSON.stringify({ teamId: `t${i + 1}`, urlKind: 'template', event });
      expect(await postEvent(first.internalUrl, body)).toBe(202);
    }
    await receiver.waitForRequests(ids.length);
    postgres.pause();
    release();
    receiver.answer = () => ({ status: 200, body: 'ok' });

    const stopping = Date.now();
    await first.stop();
    // Before, this waited for as long as the database was down (here, for ever).
    const tookMs = Date.now() - stopping;
    expect(first.child.exitCode).toBe(0);
    expect(tookMs).toBeLessThan(30_000);
    expect(first.output()).toMatch(/stopping with \d+ attempt results unrecorded/);

    postgres.resume();
    const second = await spawnDispatcher(env, await freePort());
    dispatchers.push(second);
    await waitFor(
      'every held event sent again by the next dispatcher',
      () => {
        const sent = receiver.received.map((request) => String(request.headers['webhook-id']));
        return ids.every((id) => sent.filter((sentId) => sentId === id).length >= 2) ? true : undefined;
      },
      45_000,
    );
  }, 120_000);
});
