import { samples } from '@spir-webhooks/shared-types';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

let dispatcher: TestDispatcher;

beforeAll(async () => {
  dispatcher = await startTestDispatcher({ RETRY_INTERVAL_SECONDS: '60' }, { lookup: async () => [] });
});

afterAll(() => dispatcher.close());

it('answers /healthz and /readyz without a token', async () => {
  expect(await (await fetch(`${dispatcher.url}/healthz`)).json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${dispatcher.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', store: dispatcher.store.engine });
});

it('exposes deliveries by outcome, attempt durations and queue depth in Prometheus text', async () => {
  const apiKey = await dispatcher.createTeam('m1');
  await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: 'https://nowhere.example.com/hook', event: 'form.answered' },
  });
  await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId: 'm1', urlKind: 'template', event: samples['form.answered'] },
  });
  // The attempt is counted when it ends, and its lease let go when its outcome is committed.
  const text = await waitFor('a retry to be counted and recorded', async () => {
    const body = await (await fetch(`${dispatcher.internalUrl}/metrics`)).text();
    return body.includes('spir_webhook_attempts_total{outcome="retry"} 1') &&
      body.includes('spir_webhook_queue_in_flight 0')
      ? body
      : undefined;
  });
  expect(text).toContain('spir_webhook_events_ingested_total 1');
  expect(text).toMatch(/spir_webhook_attempt_duration_seconds_count 1/);
  expect(text).toMatch(/spir_webhook_queue_due 0/);
  expect(text).toMatch(/spir_webhook_queue_in_flight 0/);
  expect(text).toContain('process_resident_memory_bytes');
});

it('answers an unknown route with a 404 in the error shape', async () => {
  const response = await fetch(`${dispatcher.url}/v2/nothing`);
  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No route GET /v2/nothing.' } });
});

it('answers /readyz with 503 once the store is gone', async () => {
  await dispatcher.store.close();
  const response = await fetch(`${dispatcher.url}/readyz`);
  expect(response.status).toBe(503);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
});

it('answers /metrics only for METRICS_TOKEN when it is set, in single-port mode too: 401 otherwise', async () => {
  const metricsToken = 'mT4k9Qx2Lr8vZp1Wc6Ys3Nb7Hd0Fg5Ju';
  const guarded = await startTestDispatcher({ METRICS_TOKEN: metricsToken, INTERNAL_PORT: 'shared' });
  try {
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${guarded.internalApiToken}`]) {
      const refused = await fetch(`${guarded.url}/metrics`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    const answered = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('spir_webhook_events_ingested_total');
  } finally {
    await guarded.close();
  }
});
