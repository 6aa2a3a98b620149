import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { cloneSample, generateWebhookSecret, verifyWebhook } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { postgresAvailable, startHttpsReceiver, startTestPostgres } from '@spir-webhooks/dispatcher/testing';
import { forkReceiver } from '../benchProcesses';
import { redisAvailable, startRedis } from './redisServer';

// bench:peers compares with BullMQ and pg-boss peers; a comparison is only fair if they do the
// same work. Each takes an event, and its receiver gets it signed (Standard Webhooks), whole, once.

const peersCanRun = redisAvailable() && postgresAvailable();
if (!peersCanRun) console.warn('Peer tests skipped: apt-get install -y redis-server postgresql.');
const describePeers = peersCanRun ? describe : describe.skip;

describePeers('the benchmark peers', () => {
  it.each(['bullmq', 'pg-boss'] as const)(
    '%s delivers an ingested event, signed, to its webhook',
    async (peerName) => {
      const ca = await createThrowawayCa();
      const receiver = await startHttpsReceiver(ca, ['team-0.bench.test']);
      const dir = mkdtempSync(join(tmpdir(), 'spir-peer-test-'));
      const secret = generateWebhookSecret();
      writeFileSync(join(dir, 'ca.pem'), ca.caCert);
      writeFileSync(
        join(dir, 'webhooks.json'),
        JSON.stringify({ t0: [{ id: 'wh0', url: `https://team-0.bench.test:${receiver.port}/hook`, secret }] }),
      );
      const env = { WEBHOOKS_FILE: join(dir, 'webhooks.json'), CA_FILE: join(dir, 'ca.pem'), CONCURRENCY: '4' };
      const redis = peerName === 'bullmq' ? await startRedis() : undefined;
      const postgres = peerName === 'pg-boss' ? await startTestPostgres() : undefined;
      const peer = await forkReceiver(peerName === 'bullmq' ? 'peers/bullmqPeer.js' : 'peers/pgBossPeer.js', {
        ...env,
        ...(redis === undefined ? {} : { REDIS_PORT: String(redis.port) }),
        ...(postgres === undefined ? {} : { DATABASE_URL: await postgres.createDatabase('peer') }),
      });
      try {
        const event = { ...cloneSample('event.confirmed'), webhookEventId: 'evt-peer-1' };
        const answer = await request(`http://127.0.0.1:${peer.port}/internal/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ teamId: 't0', urlKind: 'template', event }),
        });
        expect(answer.statusCode).toBe(202);
        await answer.body.dump();
        const [received] = await receiver.waitForRequests(1, 20_000);
        expect(received!.headers['webhook-id']).toBe('evt-peer-1');
        expect(JSON.parse(received!.body)).toEqual(event);
        const verified = verifyWebhook({ secret, body: received!.body, headers: received!.headers });
        expect(verified).toMatchObject({ kind: 'event', event: { webhookEventId: 'evt-peer-1' } });
      } finally {
        peer.stop();
        redis?.stop();
        postgres?.stop();
        await receiver.close();
      }
    },
    60_000,
  );
});
