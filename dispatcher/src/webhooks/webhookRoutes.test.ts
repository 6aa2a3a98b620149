import { samples } from '@spir-webhooks/shared-types';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

let dispatcher: TestDispatcher;
let keyA: string;
let keyB: string;
let webhookOfA: string;
let deliveryOfA: string;

beforeAll(async () => {
  dispatcher = await startTestDispatcher({ RETRY_INTERVAL_SECONDS: '60' }, { lookup: async () => [] });
  keyA = await dispatcher.createTeam('team-a');
  keyB = await dispatcher.createTeam('team-b');
  const created = await dispatcher.call('POST', '/v1/webhooks', {
    token: keyA,
    body: { url: 'https://a.example.com/hook', event: 'form.answered' },
  });
  webhookOfA = created.body.id;
  const ingested = await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId: 'team-a', urlKind: 'template', event: samples['form.answered'] },
  });
  deliveryOfA = ingested.body.deliveries[0];
});

afterAll(() => dispatcher.close());

describe('team isolation', () => {
  it.each([
    ['GET', () => `/v1/webhooks/${webhookOfA}`],
    ['DELETE', () => `/v1/webhooks/${webhookOfA}`],
    ['POST', () => `/v1/webhooks/${webhookOfA}/rotate-secret`],
    ['GET', () => `/v1/deliveries/${deliveryOfA}`],
  ])('%s %s of another team is 404', async (method, path) => {
    const response = await dispatcher.call(method, path(), { token: keyB });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toMatch(/_not_found$/);
  });

  it("lists only the team's own webhooks and events", async () => {
    expect((await dispatcher.call('GET', '/v1/webhooks', { token: keyB })).body).toMatchObject({ data: [] });
    expect((await dispatcher.call('GET', '/v1/events', { token: keyB })).body).toEqual({
      data: [],
      contractDeviations: {},
      bookings: {},
    });
    expect((await dispatcher.call('GET', '/v1/webhooks', { token: keyA })).body.data).toHaveLength(1);
    expect((await dispatcher.call('GET', '/v1/events', { token: keyA })).body.data).toHaveLength(1);
  });

  it('lists webhooks without health when asked, and refuses a health that is not true or false', async () => {
    const full = (await dispatcher.call('GET', '/v1/webhooks', { token: keyA })).body;
    const healthReads = jest.spyOn(dispatcher.store.deliveries, 'webhookHealth');
    const light = (await dispatcher.call('GET', '/v1/webhooks?health=false', { token: keyA })).body;
    expect(healthReads).not.toHaveBeenCalled();
    healthReads.mockRestore();
    expect(full.data[0]).toHaveProperty('health');
    expect(light.data[0]).not.toHaveProperty('health');
    const { health: _health, ...withoutHealth } = full.data[0];
    expect(light).toEqual({ data: [withoutHealth], limits: full.limits });
    const refused = await dispatcher.call('GET', '/v1/webhooks?health=no', { token: keyA });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    expect(refused.body.error.message).toContain('health must be true or false');
  });

  it('leaves the webhook of the first team untouched after the other team tried to delete it', async () => {
    expect((await dispatcher.call('GET', `/v1/webhooks/${webhookOfA}`, { token: keyA })).status).toBe(200);
  });

  it('tells each key which team it belongs to', async () => {
    expect((await dispatcher.call('GET', '/v1/me', { token: keyB })).body).toEqual({
      teamId: 'team-b',
      name: 'Team team-b',
      scope: 'full',
    });
  });

  it('answers 401 to a missing or unknown key', async () => {
    expect((await dispatcher.call('GET', '/v1/me', { token: 'spk_unknown' })).status).toBe(401);
    const response = await fetch(`${dispatcher.url}/v1/me`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/authorization: Bearer/);
  });
});

describe('webhooks', () => {
  it('refuses a URL that breaks a rule with 422 naming the rule', async () => {
    const response = await dispatcher.call('POST', '/v1/webhooks', {
      token: keyB,
      body: { url: 'https://192.168.0.10/hook', event: 'event.confirmed' },
    });
    expect(response).toMatchObject({
      status: 422,
      body: { error: { code: 'invalid_url', details: { rule: 'ip_address_not_allowed' } } },
    });
  });

  it.each([
    ['https://localhost../hook', 'localhost_not_allowed'],
    ['https://api.localhost.../hook', 'localhost_not_allowed'],
    ['https://127.0.0.1../hook', 'ip_address_not_allowed'],
    ['https://metadata.google.internal../computeMetadata/v1/', 'public_host_name_required'],
    ['https://intranet../hook', 'public_host_name_required'],
  ])('refuses %s, whose trailing dots are dropped before the rules run, for the rule %s', async (url, rule) => {
    const response = await dispatcher.call('POST', '/v1/webhooks', {
      token: keyB,
      body: { url, event: 'form.answered' },
    });
    expect(response).toMatchObject({ status: 422, body: { error: { code: 'invalid_url', details: { rule } } } });
    expect(response.body.error.message.length).toBeGreaterThan(10);
  });

  it('refuses a second URL for the same event with 409 limit_reached, and accepts one for another event', async () => {
    const first = await dispatcher.call('POST', '/v1/webhooks', {
      token: keyB,
      body: { url: 'https://b.example.com/1', event: 'event.canceled' },
    });
    expect(first.status).toBe(201);
    expect(first.body.secret).toMatch(/^whsec_/);
    const second = await dispatcher.call('POST', '/v1/webhooks', {
      token: keyB,
      body: { url: 'https://b.example.com/2', event: 'event.canceled' },
    });
    expect(second).toMatchObject({ status: 409, body: { error: { code: 'limit_reached' } } });
    expect(
      (
        await dispatcher.call('POST', '/v1/webhooks', {
          token: keyB,
          body: { url: 'https://b.example.com/2', event: 'form.answered' },
        })
      ).status,
    ).toBe(201);
  });

  it('frees the slot when a webhook is deleted', async () => {
    const created = await dispatcher.call('POST', '/v1/webhooks', {
      token: keyB,
      body: { url: 'https://b.example.com/3', event: 'event.confirmed' },
    });
    expect((await dispatcher.call('DELETE', `/v1/webhooks/${created.body.id}`, { token: keyB })).status).toBe(204);
    expect((await dispatcher.call('GET', `/v1/webhooks/${created.body.id}`, { token: keyB })).status).toBe(404);
    expect(
      (
        await dispatcher.call('POST', '/v1/webhooks', {
          token: keyB,
          body: { url: 'https://b.example.com/4', event: 'event.confirmed' },
        })
      ).status,
    ).toBe(201);
  });

  it('rotates a secret and keeps the old one valid for 24 hours', async () => {
    const before = await dispatcher.call('GET', `/v1/webhooks/${webhookOfA}`, { token: keyA });
    const rotated = await dispatcher.call('POST', `/v1/webhooks/${webhookOfA}/rotate-secret`, { token: keyA });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(before.body.secret);
    const validFor = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(validFor).toBeGreaterThan(23.9 * 3600_000);
    expect(validFor).toBeLessThanOrEqual(24 * 3600_000);
  });

  it('refuses an unknown event name with 400', async () => {
    const response = await dispatcher.call('POST', '/v1/webhooks', {
      token: keyB,
      body: { url: 'https://b.example.com/5', event: 'meeting.booked' },
    });
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
  });
});
