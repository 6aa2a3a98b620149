import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

let dispatcher: TestDispatcher;
let clock = Date.parse('2026-12-01T00:00:00Z');

beforeAll(async () => {
  dispatcher = await startTestDispatcher({}, { lookup: async () => [], now: () => clock });
  await dispatcher.createTeam('keys');
});

afterAll(() => dispatcher.close());

const issue = async (body: object = {}) => {
  const response = await dispatcher.call('POST', '/internal/v1/teams/keys/api-keys', { body });
  expect(response.status).toBe(201);
  return response.body as { id: string; apiKey: string; scope: string; label: string | null; expiresAt: string | null };
};

describe('team API keys as a lifecycle', () => {
  it('lists keys by prefix, label, scope and last use, never the key itself', async () => {
    const key = await issue({ label: 'CRM sync', scope: 'read' });
    expect(key).toMatchObject({ label: 'CRM sync', scope: 'read', expiresAt: null });
    await dispatcher.call('GET', '/v1/me', { token: key.apiKey });
    const { body } = await dispatcher.call('GET', '/internal/v1/teams/keys/api-keys');
    const listed = body.data.find((entry: { id: string }) => entry.id === key.id);
    expect(listed).toMatchObject({ prefix: key.apiKey.slice(0, 12), label: 'CRM sync', scope: 'read' });
    expect(listed.lastUsedAt).toBe(new Date(clock).toISOString());
    expect(JSON.stringify(body)).not.toContain(key.apiKey);
  });

  it('refuses a revoked key with 401 from that moment', async () => {
    const key = await issue();
    expect((await dispatcher.call('GET', '/v1/webhooks', { token: key.apiKey })).status).toBe(200);
    const revoked = await dispatcher.call('DELETE', `/internal/v1/teams/keys/api-keys/${key.id}`);
    expect(revoked.status).toBe(204);
    expect((await dispatcher.call('GET', '/v1/webhooks', { token: key.apiKey })).status).toBe(401);
    expect((await dispatcher.call('DELETE', `/internal/v1/teams/keys/api-keys/${key.id}`)).status).toBe(404);
  });

  it('refuses a key after its expiry, saying it expired', async () => {
    const key = await issue({ expiresAt: new Date(clock + 60_000).toISOString() });
    expect((await dispatcher.call('GET', '/v1/me', { token: key.apiKey })).status).toBe(200);
    clock += 61_000;
    const expired = await dispatcher.call('GET', '/v1/me', { token: key.apiKey });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('api_key_expired');
  });

  it('refuses an expiry in the past', async () => {
    const response = await dispatcher.call('POST', '/internal/v1/teams/keys/api-keys', {
      body: { expiresAt: new Date(clock - 1).toISOString() },
    });
    expect(response.status).toBe(400);
  });

  it('lets a read-scoped key read logs and webhooks, and refuses it every write and every secret with 403', async () => {
    const full = await issue();
    const read = await issue({ scope: 'read' });
    const created = await dispatcher.call('POST', '/v1/webhooks', {
      token: full.apiKey,
      body: { url: 'https://hooks.example.com/spir', event: 'form.answered' },
    });
    const id = created.body.id as string;
    for (const path of ['/v1/webhooks', `/v1/webhooks/${id}`, '/v1/deliveries', '/v1/events']) {
      expect((await dispatcher.call('GET', path, { token: read.apiKey })).status).toBe(200);
    }
    const refused = [
      await dispatcher.call('GET', `/v1/webhooks/${id}/secret`, { token: read.apiKey }),
      await dispatcher.call('POST', '/v1/webhooks', {
        token: read.apiKey,
        body: { url: 'https://other.example.com/spir', event: 'event.confirmed' },
      }),
      await dispatcher.call('POST', `/v1/webhooks/${id}/rotate-secret`, { token: read.apiKey }),
      await dispatcher.call('POST', `/v1/webhooks/${id}/test`, { token: read.apiKey }),
      await dispatcher.call('DELETE', `/v1/webhooks/${id}`, { token: read.apiKey }),
    ];
    expect(refused.map((response) => [response.status, response.body.error.code])).toEqual(
      refused.map(() => [403, 'insufficient_scope']),
    );
    expect((await dispatcher.call('GET', `/v1/webhooks/${id}/secret`, { token: full.apiKey })).status).toBe(200);
  });
});
