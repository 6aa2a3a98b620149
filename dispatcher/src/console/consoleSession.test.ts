import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

let dispatcher: TestDispatcher;
let clock = Date.parse('2026-12-01T00:00:00Z');

beforeAll(async () => {
  dispatcher = await startTestDispatcher({}, { lookup: async () => [], now: () => clock });
  await dispatcher.createTeam('session-team');
});

afterAll(() => dispatcher.close());

async function link(body: object = {}): Promise<string> {
  const { body: created } = await dispatcher.call('POST', '/internal/v1/teams/session-team/console-links', { body });
  return created.url as string;
}
const open = (url: string) => fetch(url, { redirect: 'manual' });
const cookieOf = (response: Response) => (response.headers.get('set-cookie') ?? '').split(';')[0]!;

describe('console sign-in links and sessions', () => {
  it('opens an eight-hour HttpOnly, Secure, SameSite session for the team, once', async () => {
    const url = await link({ returnTo: '/console/#/deliveries' });
    const first = await open(url);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/console/#/deliveries');
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; Secure; SameSite=Lax; Max-Age=28800/);
    const session = await fetch(`${dispatcher.url}/console/session`, { headers: { cookie: cookieOf(first) } });
    expect(await session.json()).toMatchObject({ teamId: 'session-team', csrfToken: expect.any(String) });
    expect((await open(url)).status).toBe(403);
  });

  it('refuses a link after its few minutes, and a forged one', async () => {
    const url = await link();
    clock += 6 * 60_000;
    expect((await open(url)).status).toBe(403);
    expect((await open(`${dispatcher.url}/console/sign-in?token=made-up`)).status).toBe(403);
  });

  it('refuses a write made with the session cookie but without its CSRF token', async () => {
    const cookie = cookieOf(await open(await link()));
    const { csrfToken } = (await (
      await fetch(`${dispatcher.url}/console/session`, { headers: { cookie } })
    ).json()) as {
      csrfToken: string;
    };
    const create = (headers: Record<string, string>) =>
      fetch(`${dispatcher.url}/v1/webhooks`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ url: 'https://hooks.example.com/console', event: 'form.answered' }),
      });
    expect((await create({})).status).toBe(403);
    expect((await create({ 'x-csrf-token': 'not-the-token' })).status).toBe(403);
    expect((await create({ 'x-csrf-token': csrfToken })).status).toBe(201);
    expect((await fetch(`${dispatcher.url}/v1/webhooks`, { headers: { cookie } })).status).toBe(200);
  });

  it('ends a session after eight hours', async () => {
    const cookie = cookieOf(await open(await link()));
    clock += 8 * 3600_000 + 1;
    expect((await fetch(`${dispatcher.url}/v1/webhooks`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a return path outside the console', async () => {
    const { status } = await dispatcher.call('POST', '/internal/v1/teams/session-team/console-links', {
      body: { returnTo: 'https://evil.example/' },
    });
    expect(status).toBe(400);
  });
});
