import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { simpleParser } from 'mailparser';
import { addTeamWithWebhook, spawnDispatcher, type DispatcherProcess } from '../testing/dispatcherProcess';
import { freePort } from '../testing/freePort';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { postEvent } from '../testing/dispatcherRig';
import { waitFor } from '../testing/waitFor';

// Three dispatcher processes on one PostgreSQL database: SIGKILLs under load lose no acknowledged
// event and never send one delivery from two processes at once; a failing webhook is emailed once,
// then in one digest.
const eventCount = 5_000;
const token = 'internal-token-for-process-tests';
let postgres: TestPostgres;
let receiver: HttpsReceiver;
let folder: string;
const running: (DispatcherProcess | undefined)[] = [];
const envs: Record<string, string>[] = [];
const ports: number[] = [];
const openById = new Map<string, number>();
let concurrentSends = 0;

const describeOnPostgres = postgresAvailable() ? describe : describe.skip;

describeOnPostgres('three dispatchers on one PostgreSQL database', () => {
  beforeAll(async () => {
    postgres = await startTestPostgres();
    const database = await postgres.createDatabase('three_dispatchers');
    const ca = await createThrowawayCa();
    folder = mkdtempSync(join(tmpdir(), 'spir-pg-fault-'));
    const caFile = join(folder, 'ca.pem');
    writeFileSync(caFile, ca.caCert);
    receiver = await startHttpsReceiver(ca, ['receiver.test']);
    receiver.answer = (request) => {
      if (request.path === '/down') return { status: 503 };
      const id = String(request.headers['webhook-id']);
      const open = (openById.get(id) ?? 0) + 1;
      openById.set(id, open);
      if (open > 1) concurrentSends++;
      const heldUntil = new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
        openById.set(id, (openById.get(id) ?? 1) - 1),
      );
      return { status: 200, heldUntil };
    };
    for (let i = 0; i < 3; i++) {
      ports.push(await freePort());
      envs.push({
        DATABASE_URL: database,
        DATA_DIR: join(folder, `dispatcher-${i}`),
        INTERNAL_API_TOKEN: token,
        WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
        NODE_EXTRA_CA_CERTS: caFile,
        REQUEST_TIMEOUT_SECONDS: '1',
        RETRY_INTERVAL_SECONDS: '0.2',
        MAX_RETRIES: '1',
        FAILURE_DIGEST_SECONDS: '3',
      });
      running.push(await spawnDispatcher(envs[i]!, ports[i]!));
    }
  }, 60_000);

  afterAll(async () => {
    for (const dispatcher of running) await dispatcher?.kill();
    await receiver?.close();
    postgres?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  const live = () => running.filter((d): d is DispatcherProcess => d !== undefined);

  it('loses no acknowledged event and sends no delivery from two dispatchers at once, across five SIGKILLs', async () => {
    const first = live()[0]!;
    await addTeamWithWebhook(first, `https://receiver.test:${receiver.port}/hook`);
    const body = (id: string) =>
      JSON.stringify({
        teamId: 't1',
        urlKind: 'template',
        event: { ...cloneSample('form.answered'), webhookEventId: id },
      });

    const acknowledged = new Set<string>();
    let next = 0;
    const producer = async () => {
      for (;;) {
        const index = next++;
        if (index >= eventCount) return;
        const id = `pg-load-${index}`;
        for (;;) {
          const targets = live();
          const status = await postEvent(targets[index % targets.length]!.internalUrl, body(id));
          if (status === 202) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        acknowledged.add(id);
      }
    };
    const load = Promise.all(Array.from({ length: 12 }, producer));
    for (let k = 0; k < 5; k++) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 900));
      const victim = Math.floor(Math.random() * 3);
      const dispatcher = running[victim]!;
      running[victim] = undefined;
      await dispatcher.kill();
      running[victim] = await spawnDispatcher(envs[victim]!, ports[victim]!);
    }
    await load;
    const seen = await waitFor(
      'every acknowledged event at the receiver',
      () => {
        const ids = new Set(
          receiver.received.filter((r) => r.path === '/hook').map((r) => String(r.headers['webhook-id'])),
        );
        return [...acknowledged].every((id) => ids.has(id)) ? ids : undefined;
      },
      120_000,
    );
    expect(acknowledged.size).toBe(eventCount);
    expect(seen.size).toBe(eventCount);
    expect(concurrentSends).toBe(0);
    const duplicates = receiver.received.filter((r) => r.path === '/hook').length - seen.size;
    console.log(
      `three dispatchers on PostgreSQL: 5 SIGKILLs, ${seen.size} of ${eventCount} delivered, ${duplicates} twice (never at once)`,
    );
  }, 240_000);

  it('emails a failing webhook once, then one digest of the rest, whichever of the three dispatchers sends them', async () => {
    const first = live()[0]!;
    const { apiKey } = await first.call('POST', '/internal/v1/teams/t1/api-keys');
    await first.call(
      'POST',
      '/v1/webhooks',
      { url: `https://receiver.test:${receiver.port}/down`, event: 'event.canceled' },
      apiKey,
    );
    const deliveries: string[] = [];
    for (let i = 0; i < 6; i++) {
      const event = { ...cloneSample('event.canceled'), webhookEventId: `pg-fail-${i}` };
      const answer = await live()[i % 3]!.call('POST', '/internal/v1/events', {
        teamId: 't1',
        urlKind: 'template',
        event,
      });
      deliveries.push(answer.deliveries[0]);
    }
    // The outbox names each file after its message's id: failure-<delivery>-r<round>, notice-digest-….
    const emails = () =>
      envs.flatMap((env) => {
        const outbox = join(env.DATA_DIR!, 'outbox');
        return existsSync(outbox)
          ? readdirSync(outbox)
              .filter((name) => name.endsWith('.eml'))
              .map((name) => join(outbox, name))
          : [];
      });
    const failureEmails = () => emails().filter((path) => path.includes('failure-dlv_'));
    const digests = () => emails().filter((path) => path.includes('notice-digest-'));
    // The first final failure is emailed at once; the five after it, whichever dispatcher recorded
    // them, go out in one digest (FAILURE_DIGEST_SECONDS=3 after the first email).
    await waitFor('the failure email and the digest', () => (digests().length > 0 ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(failureEmails()).toHaveLength(1);
    expect(digests()).toHaveLength(1);
    // Each delivery is named: the first by the failure email, the other five by the digest.
    const emailed = /failure-(dlv_[a-z0-9]+)-r1/.exec(failureEmails()[0]!)![1]!;
    const digest = await simpleParser(readFileSync(digests()[0]!));
    const listed = JSON.parse(digest.attachments[0]!.content.toString('utf8'));
    const digested: string[] = listed.failures.map((f: { deliveryId: string }) => f.deliveryId);
    expect([emailed, ...digested].sort()).toEqual([...deliveries].sort());
  }, 120_000);
});
