import { pressSignIn } from '../testing/signInLink';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

// A console session is only as good as what opened it: the key's revocation or expiry ends it,
// Spir's core can end a team's sessions, and a browser holds one session at a time.

let dispatcher: TestDispatcher;
let clock = Date.parse('2026-12-01T00:00:00Z');
let webhookId: string;

beforeAll(async () => {
  dispatcher = await startTestDispatcher({}, { lookup: async () => [], now: () => clock });
  const key = await dispatcher.createTeam('team-a');
  await dispatcher.createTeam('team-b');
  const created = await dispatcher.call('POST', '/v1/webhooks', {
    token: key,
    body: { url: 'https://hooks.example.com/a', event: 'form.answered' },
  });
  webhookId = created.body.id as string;
});

afterAll(() => dispatcher.close());

const cookieOf = (response: Response) => (response.headers.get('set-cookie') ?? '').split(';')[0]!;

async function signInWithKey(apiKey: string, cookie?: string): Promise<string> {
  const response = await fetch(`${dispatcher.url}/console/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie === undefined ? {} : { cookie }) },
    body: JSON.stringify({ apiKey }),
  });
  expect(response.status).toBe(204);
  return cookieOf(response);
}

async function signInWithLink(teamId: string, cookie?: string): Promise<string> {
  const { body } = await dispatcher.call('POST', `/internal/v1/teams/${teamId}/console-links`);
  const response = await pressSignIn(body.url as string, cookie === undefined ? {} : { cookie });
  expect(response.status).toBe(303);
  return cookieOf(response);
}

const readSecret = (cookie: string) =>
  fetch(`${dispatcher.url}/v1/webhooks/${webhookId}/secret`, { headers: { cookie } }).then((r) => r.status);

async function newKey(body: object = {}): Promise<{ id: string; apiKey: string }> {
  const { status, body: key } = await dispatcher.call('POST', '/internal/v1/teams/team-a/api-keys', { body });
  expect(status).toBe(201);
  return key as { id: string; apiKey: string };
}

describe('a console session', () => {
  it('ends the moment the API key that opened it is revoked', async () => {
    const key = await newKey();
    const cookie = await signInWithKey(key.apiKey);
    expect(await readSecret(cookie)).toBe(200);
    expect((await dispatcher.call('DELETE', `/internal/v1/teams/team-a/api-keys/${key.id}`)).status).toBe(204);
    expect(await readSecret(cookie)).toBe(401);
  });

  it('never outlives the expiry of the API key that opened it', async () => {
    const key = await newKey({ expiresAt: new Date(clock + 3_000).toISOString() });
    const response = await fetch(`${dispatcher.url}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiKey: key.apiKey }),
    });
    expect(response.headers.get('set-cookie')).toMatch(/Max-Age=3$/);
    const cookie = cookieOf(response);
    expect(await readSecret(cookie)).toBe(200);
    clock += 3_001;
    expect(await readSecret(cookie)).toBe(401);
  });

  it("ends with every other session of its team when Spir's core ends the team's sessions", async () => {
    const first = await signInWithLink('team-a');
    const second = await signInWithKey((await newKey()).apiKey);
    const other = await signInWithLink('team-b');
    const answer = await dispatcher.call('DELETE', '/internal/v1/teams/team-a/console-sessions');
    expect(answer.status).toBe(204);
    expect(await readSecret(first)).toBe(401);
    expect(await readSecret(second)).toBe(401);
    expect((await fetch(`${dispatcher.url}/console/session`, { headers: { cookie: other } })).status).toBe(200);
    expect((await dispatcher.call('DELETE', '/internal/v1/teams/nobody/console-sessions')).status).toBe(404);
  });

  it("ends when the same browser signs in again, to another team's link or with a key", async () => {
    const teamB = await signInWithLink('team-b');
    const teamA = await signInWithLink('team-a', teamB);
    expect((await fetch(`${dispatcher.url}/console/session`, { headers: { cookie: teamB } })).status).toBe(401);
    expect(await readSecret(teamA)).toBe(200);
    const byKey = await signInWithKey((await newKey()).apiKey, teamA);
    expect(await readSecret(teamA)).toBe(401);
    expect(await readSecret(byKey)).toBe(200);
  });
});
