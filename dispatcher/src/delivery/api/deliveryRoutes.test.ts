import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { cloneSample, samples } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';

// No SMTP_URL: failure emails go to .eml files in the data folder's outbox, the embedded default.
let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
let keyA: string;
let keyB: string;
let okWebhook: { id: string; secret: string };
let failingWebhook: { id: string };
const deliveryIds: string[] = [];
let failingDelivery: string;
/** Events whose endpoint has recovered: /fails answers 200 to them, 500 to every other. */
const recovered = new Set<string>();

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = (request) =>
    request.path === '/fails' && !recovered.has(String(request.headers['webhook-id']))
      ? { status: 500, body: 'nope' }
      : { status: 200, body: 'thanks' };
  dispatcher = await startTestDispatcher(
    {
      RETRY_INTERVAL_SECONDS: '0.05',
      MAX_RETRIES: '1',
      REQUEST_TIMEOUT_SECONDS: '2',
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      MAIL_RETRY_SECONDS: '0.1',
    },
    { ca: [ca.caCert] },
  );
  keyA = await dispatcher.createTeam('logs-a');
  keyB = await dispatcher.createTeam('logs-b');
  okWebhook = (
    await dispatcher.call('POST', '/v1/webhooks', {
      token: keyA,
      body: { url: `https://receiver.test:${receiver.port}/ok`, event: 'event.confirmed' },
    })
  ).body;
  failingWebhook = (
    await dispatcher.call('POST', '/v1/webhooks', {
      token: keyA,
      body: { url: `https://receiver.test:${receiver.port}/fails`, event: 'form.answered' },
    })
  ).body;
  for (let i = 0; i < 5; i++) {
    const event = { ...cloneSample('event.confirmed'), webhookEventId: `ok-${i}` };
    deliveryIds.push(
      (await dispatcher.call('POST', '/internal/v1/events', { body: { teamId: 'logs-a', urlKind: 'template', event } }))
        .body.deliveries[0],
    );
  }
  failingDelivery = (
    await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId: 'logs-a', urlKind: 'template', event: samples['form.answered'] },
    })
  ).body.deliveries[0];
  await waitFor('every delivery to finish', async () => {
    const { body } = await dispatcher.call('GET', '/v1/deliveries?status=pending', { token: keyA });
    return body.data.length === 0 ? true : undefined;
  });
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

describe('GET /v1/deliveries', () => {
  it("lists the team's deliveries newest first, filtered by webhook, status and event name", async () => {
    const all = await dispatcher.call('GET', '/v1/deliveries', { token: keyA });
    expect(all.body.data.map((d: { id: string }) => d.id)).toEqual([failingDelivery, ...[...deliveryIds].reverse()]);
    const failed = await dispatcher.call('GET', '/v1/deliveries?status=failed', { token: keyA });
    expect(failed.body.data).toEqual([
      expect.objectContaining({
        id: failingDelivery,
        status: 'failed',
        eventName: 'form.answered',
        webhookId: failingWebhook.id,
      }),
    ]);
    const byWebhook = await dispatcher.call('GET', `/v1/deliveries?webhookId=${okWebhook.id}&event=event.confirmed`, {
      token: keyA,
    });
    expect(byWebhook.body.data).toHaveLength(5);
  });

  it('filters by time range', async () => {
    const future = await dispatcher.call(
      'GET',
      `/v1/deliveries?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { token: keyA },
    );
    expect(future.body.data).toEqual([]);
    const past = await dispatcher.call(
      'GET',
      `/v1/deliveries?until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { token: keyA },
    );
    expect(past.body.data).toHaveLength(6);
  });

  it('pages with a cursor until there is no next page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; nextCursor: string | null } } = await dispatcher.call(
        'GET',
        `/v1/deliveries?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`,
        { token: keyA },
      );
      seen.push(...page.body.data.map((d) => d.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });

  it('refuses a bad filter or cursor with 400', async () => {
    expect((await dispatcher.call('GET', '/v1/deliveries?status=lost', { token: keyA })).status).toBe(400);
    expect((await dispatcher.call('GET', '/v1/deliveries?cursor=abc', { token: keyA })).body.error.message).toContain(
      'cursor',
    );
  });

  it('shows another team nothing', async () => {
    expect((await dispatcher.call('GET', '/v1/deliveries', { token: keyB })).body).toEqual({
      data: [],
      nextCursor: null,
    });
  });
});

describe('GET /v1/deliveries/:id', () => {
  it('shows every attempt with its request, and its response or error', async () => {
    const { body } = await dispatcher.call('GET', `/v1/deliveries/${failingDelivery}`, { token: keyA });
    expect(body).toMatchObject({
      status: 'failed',
      eventName: 'form.answered',
      webhookEventId: samples['form.answered'].webhookEventId,
    });
    expect(body.attempts).toHaveLength(2);
    expect(body.attempts[0]).toMatchObject({
      attempt: 1,
      outcome: 'failed',
      response: { status: 500, body: 'nope' },
      request: { headers: { 'webhook-id': samples['form.answered'].webhookEventId } },
    });
    expect(JSON.parse(body.request.body)).toEqual(samples['form.answered']);
  });

  it('shows the signature of past attempts only to a full-scope key, which may read the secret anyway', async () => {
    const readKey = await dispatcher.call('POST', '/internal/v1/teams/logs-a/api-keys', { body: { scope: 'read' } });
    const asRead = await dispatcher.call('GET', `/v1/deliveries/${failingDelivery}`, { token: readKey.body.apiKey });
    const asFull = await dispatcher.call('GET', `/v1/deliveries/${failingDelivery}`, { token: keyA });
    const signatures = (body: { attempts: { request: { headers: Record<string, string> } }[] }) =>
      body.attempts.map((attempt) => attempt.request.headers['webhook-signature']);
    expect(signatures(asRead.body)).toEqual(['(redacted)', '(redacted)']);
    expect(signatures(asFull.body)).toEqual([expect.stringMatching(/^v1,/), expect.stringMatching(/^v1,/)]);
    // Only the signature is held back: the read key still sees which request each attempt made.
    expect(asRead.body.attempts[0].request.headers['webhook-id']).toBe(samples['form.answered'].webhookEventId);
    expect(JSON.stringify(asRead.body)).not.toContain(signatures(asFull.body)[0]);
  });

  it("reads each attempt in one line, in the team's language or the one asked for", async () => {
    const inTeamLanguage = await dispatcher.call('GET', `/v1/deliveries/${failingDelivery}`, { token: keyA });
    expect(inTeamLanguage.body.attempts[0].summary).toBe('受信側でエラーが発生しました（HTTP 500）。');
    const inEnglish = await dispatcher.call('GET', `/v1/deliveries/${failingDelivery}?lang=en`, { token: keyA });
    expect(inEnglish.body.attempts[0].summary).toBe('The endpoint had an error of its own (HTTP 500).');
  });

  it('writes the failure email as an .eml file in the outbox when no SMTP_URL is set', async () => {
    const outbox = join(dispatcher.dataDir, 'outbox');
    const files = await waitFor('the .eml file', () => {
      try {
        const names = readdirSync(outbox).filter((name) => name.endsWith('.eml'));
        return names.length > 0 ? names : undefined;
      } catch {
        return undefined;
      }
    });
    expect(files).toHaveLength(1);
    const eml = readFileSync(join(outbox, files[0]!), 'utf8');
    expect(eml).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(eml).toContain('transmission-log.json');
    expect(eml).toContain(`failure-${failingDelivery}-r1@spir-webhooks`);
  });
});

describe('POST /v1/deliveries/:id/resend', () => {
  it('starts a new round with the same webhook-id after a final failure', async () => {
    recovered.add(samples['form.answered'].webhookEventId);
    const before = receiver.received.filter((r) => r.path === '/fails').length;
    const resent = await dispatcher.call('POST', `/v1/deliveries/${failingDelivery}/resend`, { token: keyA });
    expect(resent).toMatchObject({ status: 202, body: { status: 'pending', round: 2, attemptsInRound: 0 } });
    const delivery = await waitFor('the resend to succeed', async () => {
      const { body } = await dispatcher.call('GET', `/v1/deliveries/${failingDelivery}`, { token: keyA });
      return body.status === 'succeeded' ? body : undefined;
    });
    expect(delivery.attempts.map((a: { round: number; attempt: number }) => [a.round, a.attempt])).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    const again = receiver.received.filter((r) => r.path === '/fails').slice(before);
    expect(again).toHaveLength(1);
    expect(again[0]!.headers['webhook-id']).toBe(samples['form.answered'].webhookEventId);
  });

  it('resends a delivery that succeeded', async () => {
    const resent = await dispatcher.call('POST', `/v1/deliveries/${deliveryIds[0]}/resend`, { token: keyA });
    expect(resent.status).toBe(202);
    await waitFor('the second round', async () =>
      (await dispatcher.call('GET', `/v1/deliveries/${deliveryIds[0]}`, { token: keyA })).body.status === 'succeeded'
        ? true
        : undefined,
    );
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === 'ok-0')).toHaveLength(2);
  });

  it("refuses another team's delivery with 404", async () => {
    expect((await dispatcher.call('POST', `/v1/deliveries/${deliveryIds[1]}/resend`, { token: keyB })).status).toBe(
      404,
    );
  });
});

describe('POST /v1/webhooks/:id/test', () => {
  it('sends the signed sample now and answers the outcome, kept as a delivery marked as a test', async () => {
    const { status, body } = await dispatcher.call('POST', `/v1/webhooks/${okWebhook.id}/test`, { token: keyA });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      succeeded: true,
      webhookEventId: expect.stringMatching(/^test_/),
      response: { status: 200, body: 'thanks' },
      error: null,
    });
    const request = receiver.received.find((r) => r.headers['webhook-id'] === body.webhookEventId)!;
    const verified = new Webhook(okWebhook.secret).verify(request.body, request.headers as Record<string, string>);
    expect(verified).toEqual({ ...samples['event.confirmed'], webhookEventId: body.webhookEventId });
    const listed = (await dispatcher.call('GET', '/v1/deliveries', { token: keyA })).body.data;
    expect(listed).toHaveLength(7);
    expect(listed.filter((delivery: { test: boolean }) => delivery.test).map((d: { id: string }) => d.id)).toEqual([
      body.deliveryId,
    ]);
  });

  it("answers a failing endpoint's outcome and never emails about it", async () => {
    const emails = () => readdirSync(join(dispatcher.dataDir, 'outbox')).filter((name) => name.endsWith('.eml'));
    // The failure email, and the "working again" notice of the resend's 2xx before.
    await waitFor('the notices so far', () => (emails().length === 2 ? true : undefined));
    const { body } = await dispatcher.call('POST', `/v1/webhooks/${failingWebhook.id}/test`, { token: keyA });
    expect(body).toMatchObject({ succeeded: false, response: { status: 500 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emails()).toHaveLength(2);
  });

  it("refuses another team's webhook with 404", async () => {
    expect((await dispatcher.call('POST', `/v1/webhooks/${okWebhook.id}/test`, { token: keyB })).status).toBe(404);
  });
});
