import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { Webhook } from 'standardwebhooks';
import { answerTo, cloneSample, generateWebhookSecret, samples } from './contract';
import { withUnknownFieldsEverywhere } from './contract/testing/withUnknownFields';
import type { Handlers } from './handlers';
import { MemoryIdempotencyStore } from './idempotency';
import { createReceiverApp } from './receiverApp';

const secret = generateWebhookSecret();
const otherSecret = generateWebhookSecret();
let server: Server;
let url: string;
const logLines: Record<string, unknown>[] = [];
const calls: string[] = [];
let failNext = false;
let slowMs = 0;

/** What a confirmed-event handler read, typed as the handler sees it. */
let lastConfirmed: { email: string; start: string; meetingUrl: string; company: string | undefined } | undefined;

const handlers: Handlers = {
  async onEventConfirmed(event) {
    calls.push(`confirmed:${event.webhookEventId}`);
    const { invitee, startDateTime, onlineMeeting, formAnswers } = event.payload;
    lastConfirmed = {
      email: invitee.email,
      start: startDateTime,
      meetingUrl: onlineMeeting.url,
      company: answerTo(formAnswers, '会社・団体名'),
    };
    if (slowMs > 0) await new Promise((resolve) => setTimeout(resolve, slowMs));
    if (failNext) {
      failNext = false;
      throw new Error('CRM is down');
    }
  },
  async onEventCanceled(event) {
    calls.push(`canceled:${event.webhookEventId}`);
  },
  async onFormAnswered(event) {
    calls.push(`answered:${event.webhookEventId}`);
  },
  async onDeviatingEvent(event) {
    calls.push(`deviating:${event.webhookEventId}:${String(event.payload.reason)}`);
  },
};

beforeAll(async () => {
  const app = createReceiverApp({
    secrets: [secret, otherSecret],
    path: '/webhooks/spir',
    handlers,
    idempotency: new MemoryIdempotencyStore(),
    log: (fields) => logLines.push(fields),
    slowHandlerWarningMs: 100,
  });
  server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/spir`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  calls.length = 0;
  logLines.length = 0;
  failNext = false;
  slowMs = 0;
});

/** Signed by the standardwebhooks library itself, as Spir's dispatcher does. */
function signed(body: string, id: string, options: { with?: string; at?: Date } = {}) {
  const at = options.at ?? new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(options.with ?? secret).sign(id, at, body),
  };
}

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const eventBody = (name: keyof typeof samples, id: string) =>
  JSON.stringify({ ...cloneSample(name), webhookEventId: id });

describe('POST /webhooks/spir', () => {
  it.each([
    ['event.confirmed', 'confirmed'],
    ['event.canceled', 'canceled'],
    ['form.answered', 'answered'],
  ] as const)('hands a signed %s to its handler and answers 200', async (name, tag) => {
    const id = `evt-${tag}`;
    expect(await post(eventBody(name, id), signed(eventBody(name, id), id))).toEqual({
      status: 200,
      body: { received: true },
    });
    expect(calls).toEqual([`${tag}:${id}`]);
  });

  it("gives onEventConfirmed the invitee's email, the start, the meeting URL and a form answer, unknown fields and all", async () => {
    const body = JSON.stringify(withUnknownFieldsEverywhere());
    expect((await post(body, signed(body, 'evt_with_unknown_fields'))).status).toBe(200);
    expect(lastConfirmed).toEqual({
      email: 'ichiro.suzuki@example.com',
      start: '2026-12-01T01:00:00Z',
      meetingUrl: 'https://zoom.us/j/98765432100',
      company: '鈴木商事株式会社',
    });
  });

  it('writes exactly one JSON log line per handled event, with its id and name', async () => {
    const body = eventBody('form.answered', 'evt-log');
    await post(body, signed(body, 'evt-log'));
    expect(logLines).toEqual([
      expect.objectContaining({ msg: 'handled', webhookEventId: 'evt-log', webhookEventName: 'form.answered' }),
    ]);
  });

  it('accepts a request signed with any of the configured secrets', async () => {
    const body = eventBody('form.answered', 'evt-other-secret');
    expect((await post(body, signed(body, 'evt-other-secret', { with: otherSecret }))).status).toBe(200);
  });

  it('runs the handler once for a duplicate and answers it 200', async () => {
    const body = eventBody('event.canceled', 'evt-dup');
    const first = await post(body, signed(body, 'evt-dup'));
    const second = await post(body, signed(body, 'evt-dup'));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body).toEqual({ duplicate: true });
    expect(calls).toEqual(['canceled:evt-dup']);
    expect(logLines.map((line) => line.msg)).toEqual(['handled', 'skipped: already handled']);
  });

  it('answers 500 when the handler throws and runs it again on the retry', async () => {
    failNext = true;
    const body = eventBody('event.confirmed', 'evt-retry');
    expect((await post(body, signed(body, 'evt-retry'))).status).toBe(500);
    expect((await post(body, signed(body, 'evt-retry'))).status).toBe(200);
    expect(calls).toEqual(['confirmed:evt-retry', 'confirmed:evt-retry']);
  });

  it('acknowledges an unknown event name with 200 and calls no handler', async () => {
    const body = JSON.stringify({
      webhookEventName: 'event.rescheduled',
      webhookEventId: 'evt-new',
      payload: { anything: 1 },
    });
    expect(await post(body, signed(body, 'evt-new'))).toEqual({ status: 200, body: { ignored: true } });
    expect(calls).toEqual([]);
  });

  it.each([
    ['a missing signature', (_body: string) => ({ 'content-type': 'application/json' })],
    ['a bad signature', (body: string) => signed(body, 'evt-bad', { with: generateWebhookSecret() })],
    ['a stale timestamp', (body: string) => signed(body, 'evt-bad', { at: new Date(Date.now() - 10 * 60_000) })],
    ['a tampered body', (body: string) => signed(body.replace('鈴木', '佐藤'), 'evt-bad')],
  ])('answers 401 to %s', async (_what, headersFor) => {
    const body = eventBody('form.answered', 'evt-bad');
    const response = await post(body, headersFor(body));
    expect(response.status).toBe(401);
    expect(calls).toEqual([]);
  });

  it('hands a cancel whose fields are named otherwise to onDeviatingEvent, logs the deviations and refuses it until accepted', async () => {
    const { cancelReason, canceledAt, ...rest } = cloneSample('event.canceled').payload;
    const body = JSON.stringify({
      webhookEventName: 'event.canceled',
      webhookEventId: 'evt-renamed',
      payload: { ...rest, reason: cancelReason, canceledDateTime: canceledAt },
    });
    expect((await post(body, signed(body, 'evt-renamed'))).status).toBe(503);
    expect((await post(body, signed(body, 'evt-renamed'))).status).toBe(503);
    expect(calls).toEqual([`deviating:evt-renamed:${cancelReason}`, `deviating:evt-renamed:${cancelReason}`]);
    expect(logLines[0]).toMatchObject({
      msg: 'event deviates from the typed contract',
      deviations: [
        { path: 'payload.cancelReason', problem: expect.stringContaining('missing') as string },
        { path: 'payload.canceledAt', problem: expect.stringContaining('missing') as string },
      ],
    });
  });

  it('answers 400 to a correctly signed body that is no deliverable event', async () => {
    const body = JSON.stringify({ ...samples['form.answered'], webhookEventId: 'evt-broken', payload: 'none' });
    const response = await post(body, signed(body, 'evt-broken'));
    expect(response.status).toBe(400);
    expect((response.body.error as { message: string }).message).toContain('payload');
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const event = cloneSample('form.answered');
    event.payload.formAnswers = [{ questionId: 'q1', question: 'q', answer: 'x'.repeat(1024 * 1024) }];
    const body = JSON.stringify(event);
    expect((await post(body, signed(body, event.webhookEventId))).status).toBe(413);
  });

  it('reports a handler still running at the warning threshold', async () => {
    slowMs = 250;
    const body = eventBody('event.confirmed', 'evt-slow');
    expect((await post(body, signed(body, 'evt-slow'))).status).toBe(200);
    expect(logLines).toContainEqual(
      expect.objectContaining({ msg: 'handler still running', webhookEventId: 'evt-slow' }),
    );
  });
});
