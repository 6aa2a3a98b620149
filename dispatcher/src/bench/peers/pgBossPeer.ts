import express from 'express';
import PgBoss from 'pg-boss';
import { eventOf, loadWebhooks, makeSender, type DeliveryJob } from './peerWebhooks';

// The peer a team would build on pg-boss 10 (https://timgit.github.io/pg-boss/#/./api/jobs?id=send,
// https://timgit.github.io/pg-boss/#/./api/workers?id=work): an Express ingest that sends one job
// per webhook of the event's team, and workers that sign and post them; concurrency is the number
// of work() registrations, each fetching one job at a time. Spir's policy as retry options.

const concurrency = Number(process.env.CONCURRENCY);
const webhooks = loadWebhooks();
const send = makeSender(webhooks);
const boss = new PgBoss({ connectionString: process.env.DATABASE_URL!, max: concurrency + 4 });
boss.on('error', (error) => console.error('pg-boss:', error));

async function main(): Promise<void> {
  await boss.start();
  await boss.createQueue('deliveries', { name: 'deliveries', retryLimit: 4, retryDelay: 10 });
  for (let i = 0; i < concurrency; i++)
    await boss.work<DeliveryJob>('deliveries', { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) =>
      send(job!.data),
    );
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  app.post('/internal/v1/events', async (req, res) => {
    const event = eventOf(req.body);
    const targets = webhooks.get(event.teamId) ?? [];
    await boss.insert(
      targets.map((webhook) => ({
        name: 'deliveries',
        data: { webhookId: webhook.id, eventId: event.eventId, body: event.body },
      })),
    );
    res.status(202).json({ deliveries: targets.length });
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
}

void main();
