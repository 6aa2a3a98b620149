import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

let dispatcher: TestDispatcher;

beforeAll(async () => {
  dispatcher = await startTestDispatcher({}, { lookup: async () => [] });
});

afterAll(() => dispatcher.close());

const team = { name: '株式会社サンプル', adminEmails: ['admin@example.co.jp'] };

describe('PUT /internal/v1/teams/:teamId', () => {
  it('creates a team with one URL per event by default, then updates it in place', async () => {
    const created = await dispatcher.call('PUT', '/internal/v1/teams/team-put', { body: team });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ teamId: 'team-put', name: team.name, maxUrlsPerEvent: 1, language: 'ja' });
    const updated = await dispatcher.call('PUT', '/internal/v1/teams/team-put', {
      body: { ...team, adminEmails: ['a@example.com', 'b@example.com'], maxUrlsPerEvent: 3, language: 'en' },
    });
    expect(updated.body).toMatchObject({
      adminEmails: ['a@example.com', 'b@example.com'],
      maxUrlsPerEvent: 3,
      language: 'en',
    });
    expect(updated.body.createdAt).toBe(created.body.createdAt);
  });

  it.each([
    ['a team id with a slash-free but illegal character', '/internal/v1/teams/team%20x', team, 'team id'],
    ['no administrator', '/internal/v1/teams/team-x', { ...team, adminEmails: [] }, 'adminEmails'],
    ['a malformed administrator email', '/internal/v1/teams/team-x', { ...team, adminEmails: ['nope'] }, 'adminEmails'],
    ['an unknown field', '/internal/v1/teams/team-x', { ...team, colour: 'blue' }, 'colour'],
    ['a language the emails are not written in', '/internal/v1/teams/team-x', { ...team, language: 'fr' }, 'language'],
    ['a name holding the NUL character', '/internal/v1/teams/team-x', { ...team, name: 'A\u0000B' }, 'name'],
  ])('refuses %s with 400 naming it', async (_case, path, body, named) => {
    const response = await dispatcher.call('PUT', path, { body });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error)).toContain(named);
  });

  it('refuses a call without the internal token with 401', async () => {
    const response = await dispatcher.call('PUT', '/internal/v1/teams/team-x', { body: team, token: 'wrong' });
    expect(response.status).toBe(401);
  });
});

describe('POST /internal/v1/teams/:teamId/api-keys', () => {
  it('issues a key that /v1/me recognises as the team', async () => {
    await dispatcher.call('PUT', '/internal/v1/teams/team-keys', { body: team });
    const issued = await dispatcher.call('POST', '/internal/v1/teams/team-keys/api-keys');
    expect(issued.status).toBe(201);
    expect(issued.body.apiKey).toMatch(/^spk_/);
    const me = await dispatcher.call('GET', '/v1/me', { token: issued.body.apiKey });
    expect(me.body).toEqual({ teamId: 'team-keys', name: team.name, scope: 'full' });
  });

  it('answers 404 for a team that does not exist yet, saying how to create it', async () => {
    const response = await dispatcher.call('POST', '/internal/v1/teams/team-missing/api-keys');
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain('PUT /internal/v1/teams/team-missing');
  });
});
