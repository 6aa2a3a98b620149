import express from 'express';
import PgBoss from 'pg-boss';
import { eventOf, loadWebhooks, makeSender, type DeliveryJob } from './peerWebhooks';

// The peer a team would build on pg-boss 10 (https://timgit.github.io/pg-boss/#/./api/jobs?id=send,
// https://timgit.github.io/pg-boss/#/./api/workers?id=work): an Express ingest that sends one job
// per webhook of the event's team, and a worker that fetches up to `batchSize` jobs and posts them
// in parallel. A batch handler that resolves completes every job of the batch, so the ones that
// failed are failed by hand first (they then retry: Spir's policy as the queue's retry options).
// A worker in pg-boss 10 waits out its polling interval (at least 0.5 s) after each batch, so
// that a worker delivers at most batchSize ÷ 0.5 s events a second: 32 workers of one job each
// delivered about 64 a second here, as one worker with batches of 32 does.

const concurrency = Number(process.env.CONCURRENCY);
const webhooks = loadWebhooks();
const send = makeSender(webhooks);
const boss = new PgBoss({ connectionString: process.env.DATABASE_URL!, max: 20 });
boss.on('error', (error) => console.error('pg-boss:', error));

async function main(): Promise<void> {
  await boss.start();
  await boss.createQueue('deliveries', { name: 'deliveries', retryLimit: 4, retryDelay: 10 });
  await boss.work<DeliveryJob>('deliveries', { batchSize: concurrency, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    const outcomes = await Promise.allSettled(jobs.map((job) => send(job.data)));
    const failed = jobs.filter((_, i) => outcomes[i]!.status === 'rejected').map((job) => job.id);
    if (failed.length > 0) await boss.fail('deliveries', failed);
  });
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/internal/v1/events', async (req, res) => {
    const event = eventOf(req.body);
    const targets = webhooks.get(event.teamId) ?? [];
    await Promise.all(
      targets.map((webhook) =>
        boss.send('deliveries', { webhookId: webhook.id, eventId: event.eventId, body: event.body }),
      ),
    );
    res.status(202).json({ deliveries: targets.length });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
}

void main();
