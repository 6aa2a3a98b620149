import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';

// What both peers share, as a team building on BullMQ or pg-boss would write it: the webhooks
// (from a file the bench writes), and one signed POST with standardwebhooks and undici.

export interface PeerWebhook {
  id: string;
  url: string;
  /** whsec_… */
  secret: string;
}

/** A delivery job: which webhook, the event's id (the webhook-id header) and its body as received. */
export interface DeliveryJob {
  webhookId: string;
  eventId: string;
  body: string;
}

export function loadWebhooks(): Map<string, PeerWebhook[]> {
  const byTeam = JSON.parse(readFileSync(process.env.WEBHOOKS_FILE!, 'utf8')) as Record<string, PeerWebhook[]>;
  return new Map(Object.entries(byTeam));
}

/** Signs and posts one job; throws on anything but a 2xx, so that the queue retries it. */
export function makeSender(webhooks: Map<string, PeerWebhook[]>) {
  const byId = new Map([...webhooks.values()].flat().map((webhook) => [webhook.id, webhook]));
  const signers = new Map([...byId.values()].map((webhook) => [webhook.id, new Webhook(webhook.secret)]));
  // The bench's hosts (*.bench.test) on loopback, its CA trusted: what WEBHOOK_RESOLVE does for the dispatcher.
  const agent = new Agent({
    connections: 64,
    connect: {
      ca: readFileSync(process.env.CA_FILE!),
      lookup: (
        _host: string,
        options: { all?: boolean },
        done: (error: null, address: string | { address: string; family: number }[], family?: number) => void,
      ) => (options.all === true ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)),
    },
  });
  return async (job: DeliveryJob): Promise<void> => {
    const webhook = byId.get(job.webhookId)!;
    const timestamp = new Date();
    const response = await request(webhook.url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'webhook-id': job.eventId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signers.get(webhook.id)!.sign(job.eventId, timestamp, job.body),
      },
      body: job.body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`HTTP ${response.statusCode}`);
  };
}

/** The event as Spir's core posts it to the dispatcher's ingest: its envelope and team. */
export function eventOf(raw: unknown): { teamId: string; eventId: string; body: string } {
  const { teamId, event } = raw as { teamId: string; event: { webhookEventId: string } };
  return { teamId, eventId: event.webhookEventId, body: JSON.stringify(event) };
}
