import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa, type ThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startTestDispatcher, testDatabaseUrl, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';
import type { ObservedPath } from './contractRoutes';

let ca: ThrowawayCa;
let receiver: HttpsReceiver;
let dataDir: string;
let databaseUrl: string;
let dispatcher: TestDispatcher;

const start = (env: Record<string, string> = {}) =>
  startTestDispatcher(
    { WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: databaseUrl, ...env },
    { ca: [ca.caCert] },
  );

beforeAll(async () => {
  ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  dataDir = mkdtempSync(join(tmpdir(), 'spir-contract-'));
  databaseUrl = await testDatabaseUrl(dataDir);
  dispatcher = await start();
  const apiKey = await dispatcher.createTeam('acme');
  const webhook = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}/cancel`, event: 'event.canceled' },
  });
  expect(webhook.status).toBe(201);
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A cancellation as Spir's core might really name its fields: `reason`, `canceledDateTime`. */
function renamedCancel(webhookEventId: string) {
  const { cancelReason, canceledAt, ...rest } = cloneSample('event.canceled').payload;
  return {
    webhookEventName: 'event.canceled',
    webhookEventId,
    payload: { ...rest, reason: `${cancelReason} (secret-reason-value)`, canceledDateTime: canceledAt },
  };
}

const ingest = (event: unknown) =>
  dispatcher.call('POST', '/internal/v1/events', { body: { teamId: 'acme', urlKind: 'template', event } });

async function observed(): Promise<Record<string, ObservedPath[]>> {
  const answer = await dispatcher.call('GET', '/internal/v1/contract/observed');
  expect(answer.status).toBe(200);
  return answer.body.events as Record<string, ObservedPath[]>;
}

describe('a cancel whose fields Spir names otherwise', () => {
  it('is taken, flagged for cancelReason and canceledAt, and delivered byte for byte', async () => {
    const event = renamedCancel('evt-renamed-1');
    // Keys in an order zod would not give back, so that a re-serialisation would show.
    const rawBody = JSON.stringify({ teamId: 'acme', event, urlKind: 'template' });
    const answer = await dispatcher.call('POST', '/internal/v1/events', { rawBody });
    expect(answer.status).toBe(202);
    expect(answer.body.deliveries).toHaveLength(1);
    expect(answer.body.contractDeviations).toEqual([
      { path: 'payload.cancelReason', problem: 'required field missing (expected string)' },
      { path: 'payload.canceledAt', problem: 'required field missing (expected string)' },
    ]);
    const received = await waitFor('the delivery', () =>
      receiver.received.find((request) => request.headers['webhook-id'] === 'evt-renamed-1'),
    );
    expect(received.body).toBe(JSON.stringify(event));
  });

  it('is counted in /metrics by event name and path', async () => {
    const metrics = await fetch(`${dispatcher.internalUrl}/metrics`, {
      headers: { authorization: `Bearer ${dispatcher.internalApiToken}` },
    });
    const text = await metrics.text();
    expect(text).toContain(
      'spir_webhook_contract_deviations_total{event="event.canceled",path="payload.cancelReason"} 1',
    );
    expect(text).toContain(
      'spir_webhook_contract_deviations_total{event="event.canceled",path="payload.canceledAt"} 1',
    );
  });

  it('shows its deviations beside the event in the recent events, the envelope left as sent', async () => {
    const apiKey = await dispatcher.createTeamKey('acme');
    const recent = await dispatcher.call('GET', '/v1/events?name=event.canceled', { token: apiKey });
    expect(recent.body.data.find((e: { webhookEventId: string }) => e.webhookEventId === 'evt-renamed-1')).toEqual(
      renamedCancel('evt-renamed-1'),
    );
    expect(recent.body.contractDeviations['evt-renamed-1'].map((d: { path: string }) => d.path)).toEqual([
      'payload.cancelReason',
      'payload.canceledAt',
    ]);
  });

  it('shows its deviations on the delivery the team reads', async () => {
    const apiKey = await dispatcher.createTeamKey('acme');
    const list = await dispatcher.call('GET', '/v1/deliveries', { token: apiKey });
    const id = (list.body.data as { id: string; webhookEventId: string }[]).find(
      (d) => d.webhookEventId === 'evt-renamed-1',
    )!.id;
    const delivery = await dispatcher.call('GET', `/v1/deliveries/${id}`, { token: apiKey });
    expect(delivery.body.contractDeviations.map((d: { path: string }) => d.path)).toEqual([
      'payload.cancelReason',
      'payload.canceledAt',
    ]);
  });

  it('appears in the observed shapes as payload.reason: string, with no value of the event, after a restart too', async () => {
    const before = await observed();
    const reason = before['event.canceled']!.find((p) => p.path === 'payload.reason');
    expect(reason).toMatchObject({ types: ['string'], count: 1 });
    expect(before['event.canceled']!.map((p) => p.path)).toEqual(
      expect.arrayContaining(['payload.canceledDateTime', 'payload.invitee.email', 'payload.formAnswers[].answer']),
    );
    expect(JSON.stringify(before)).not.toContain('secret-reason-value');
    expect(JSON.stringify(before)).not.toContain('@example');

    await dispatcher.close();
    dispatcher = await start();
    expect((await ingest(renamedCancel('evt-renamed-2'))).status).toBe(202);
    const after = await observed();
    expect(after['event.canceled']!.find((p) => p.path === 'payload.reason')).toMatchObject({ count: 2 });
  });

  it('is refused with 400 and the same issues under INGEST_CONTRACT=strict', async () => {
    await dispatcher.close();
    dispatcher = await start({ INGEST_CONTRACT: 'strict' });
    const answer = await ingest(renamedCancel('evt-renamed-strict'));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
    expect(answer.body.error.message).toContain('payload.cancelReason');
    expect(answer.body.error.message).toContain('INGEST_CONTRACT=strict');
    await dispatcher.close();
    dispatcher = await start();
  });
});

describe('what ingest still refuses', () => {
  const sample = () => cloneSample('event.canceled') as unknown as Record<string, unknown>;
  it.each([
    ['a body that is no object', '[]', []],
    ['no teamId', JSON.stringify({ urlKind: 'template', event: sample() }), ['teamId']],
    ['no urlKind', JSON.stringify({ teamId: 'acme', event: sample() }), ['urlKind']],
    [
      'an event name that is not a string',
      JSON.stringify({ teamId: 'acme', urlKind: 'template', event: { ...sample(), webhookEventName: 7 } }),
      ['event', 'webhookEventName'],
    ],
    [
      'a webhookEventId with a space',
      JSON.stringify({ teamId: 'acme', urlKind: 'template', event: { ...sample(), webhookEventId: 'a b' } }),
      ['event', 'webhookEventId'],
    ],
    [
      'a payload that is not an object',
      JSON.stringify({ teamId: 'acme', urlKind: 'template', event: { ...sample(), payload: 'x' } }),
      ['event', 'payload'],
    ],
  ])('answers 400 for %s', async (_what, rawBody, path) => {
    const answer = await dispatcher.call('POST', '/internal/v1/events', { rawBody });
    expect(answer.status).toBe(400);
    if (path.length > 0) {
      expect(answer.body.error.details.issues.map((issue: { path: unknown }) => issue.path)).toContainEqual(path);
    }
  });

  it('takes an unknown event name, stores and counts it, and delivers it to nobody', async () => {
    const event = { ...cloneSample('form.answered'), webhookEventName: 'form.deleted', webhookEventId: 'evt-new-name' };
    const answer = await ingest(event);
    expect(answer.status).toBe(202);
    expect(answer.body.deliveries).toEqual([]);
    expect(answer.body.contractDeviations).toEqual([
      { path: 'webhookEventName', problem: expect.stringContaining('unknown event name') as string },
    ]);
    expect((await observed())['form.deleted']?.map((p) => p.path)).toContain('payload.answeredAt');
  });

  it('answers a conforming event without contractDeviations', async () => {
    const answer = await ingest({ ...cloneSample('event.canceled'), webhookEventId: 'evt-conforming' });
    expect(answer.status).toBe(202);
    expect(answer.body).not.toHaveProperty('contractDeviations');
  });
});
