import { pressSignIn } from '../testing/signInLink';
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
const open = (url: string, headers: Record<string, string> = {}) => pressSignIn(url, headers);
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

  it('refuses a link after its few minutes, and a forged one, saying which', async () => {
    const url = await link();
    clock += 6 * 60_000;
    for (const answer of [await fetch(url), await open(url)]) {
      expect(answer.status).toBe(403);
      expect(await answer.text()).toContain('It has expired: a sign-in link lasts five minutes.');
    }
    const forged = await open(`${dispatcher.url}/console/sign-in?token=made-up`);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('It is not a link this console made');
  });

  it('uses nothing when the link is opened, and nothing when its button is sent from another site', async () => {
    const url = await link();
    for (const method of ['HEAD', 'GET', 'GET']) expect((await fetch(url, { method })).status).toBe(200);
    const fromElsewhere = await open(url, { 'sec-fetch-site': 'cross-site' });
    expect(fromElsewhere.status).toBe(403);
    expect(fromElsewhere.headers.get('set-cookie')).toBeNull();
    expect(await fromElsewhere.text()).toContain('Its Sign in button was sent from another site.');
    expect((await open(url)).status).toBe(303);
  });

  it("sends a spent link's visitor to CONSOLE_LOGIN_URL when Spir has one", async () => {
    const withLogin = await startTestDispatcher({ CONSOLE_LOGIN_URL: 'https://app.spirinc.com/console-login' });
    try {
      await withLogin.createTeam('login-team');
      const { body } = await withLogin.call('POST', '/internal/v1/teams/login-team/console-links');
      expect((await pressSignIn(body.url as string)).status).toBe(303);
      const spent = await fetch(body.url as string);
      const page = await spent.text();
      expect(page).toContain('href="https://app.spirinc.com/console-login"');
      expect(page).not.toContain('curl');
    } finally {
      await withLogin.close();
    }
  });

  it('asks before a link switches a browser signed in to another team, and says nothing otherwise', async () => {
    await dispatcher.createTeam('other-team');
    const { body: created } = await dispatcher.call('POST', '/internal/v1/teams/other-team/console-links');
    const otherCookie = cookieOf(await open(created.url as string));
    const handedOver = await link();
    const page = async (cookie?: string, language = 'en') =>
      (
        await fetch(handedOver, {
          headers: { 'accept-language': language, ...(cookie === undefined ? {} : { cookie }) },
        })
      ).text();
    const asked = await page(otherCookie);
    expect(asked).toContain('This browser is signed in to the console of <strong>Team other-team</strong>');
    expect(asked).toContain('>Switch to ');
    expect(await page(otherCookie, 'ja')).toContain(
      'このブラウザは <strong>Team other-team</strong> のコンソールにサインインしています',
    );
    const sameTeamCookie = cookieOf(await open(await link()));
    for (const plain of [await page(), await page(sameTeamCookie)]) {
      expect(plain).not.toContain('This browser is signed in');
      expect(plain).toContain('>Sign in</button>');
    }
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
