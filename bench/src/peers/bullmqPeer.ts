import express from 'express';
import { Queue, Worker } from 'bullmq';
import { eventOf, loadWebhooks, makeSender, type DeliveryJob } from './peerWebhooks';

// The peer a team would build on BullMQ (https://docs.bullmq.io/guide/queues/adding-bulks,
// https://docs.bullmq.io/guide/workers/concurrency, https://docs.bullmq.io/guide/retrying-failing-jobs):
// an Express ingest that adds one job per webhook of the event's team, and a Worker that signs
// and posts it, with Spir's policy as BullMQ's retry options (4 retries, 10 s apart).

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) };
const webhooks = loadWebhooks();
const queue = new Queue<DeliveryJob>('deliveries', { connection });
const send = makeSender(webhooks);
const worker = new Worker<DeliveryJob>('deliveries', async (job) => send(job.data), {
  connection,
  concurrency: Number(process.env.CONCURRENCY),
});
worker.on('error', (error) => console.error('bullmq worker:', error));

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/internal/v1/events', async (req, res) => {
  const event = eventOf(req.body);
  const targets = webhooks.get(event.teamId) ?? [];
  await queue.addBulk(
    targets.map((webhook) => ({
      name: 'deliver',
      data: { webhookId: webhook.id, eventId: event.eventId, body: event.body },
      opts: { attempts: 5, backoff: { type: 'fixed', delay: 10_000 } },
    })),
  );
  res.status(202).json({ deliveries: targets.length });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
});
