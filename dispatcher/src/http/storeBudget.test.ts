import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

// A team's reads share a budget of store time per minute (TEAM_API_STORE_MS_PER_MINUTE), charged
// what their store calls cost the store (http/storeBudget.ts), not the request's wall time: past
// it, that team's reads are refused 429 with Retry-After, in the API's error shape; other teams
// and the team's own writes go on. On both engines (npm run test:postgres).
let dispatcher: TestDispatcher;

beforeAll(async () => {
  // One millisecond a minute: a few store reads use it up. The rate limit is out of the way.
  dispatcher = await startTestDispatcher({
    TEAM_API_STORE_MS_PER_MINUTE: '1',
    TEAM_API_REQUESTS_PER_SECOND: '100000',
  });
});

afterAll(() => dispatcher.close());

const get = (token: string, path: string) =>
  fetch(`${dispatcher.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const read = (token: string) => get(token, '/v1/deliveries?since=2020-01-01T00:00:00Z');

it('refuses a team’s reads past its store time, 429 with Retry-After, and leaves other teams alone', async () => {
  const busy = await dispatcher.createTeam('budget-busy');
  const quiet = await dispatcher.createTeam('budget-quiet');
  const answers: Response[] = [];
  // Bounded: a read of an empty delivery log costs a few hundredths of a millisecond of the store.
  for (let i = 0; i < 2_000 && !answers.some((answer) => answer.status === 429); i++) answers.push(await read(busy));
  expect(answers[0]!.status).toBe(200);
  const refused = answers.at(-1)!;
  expect(refused.status).toBe(429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(await refused.json()).toEqual({
    error: {
      code: 'store_budget_exhausted',
      message: expect.stringMatching(/store time for this minute; try again in \d+ s/),
    },
  });
  expect((await read(quiet)).status).toBe(200);
  const write = await dispatcher.call('POST', '/v1/webhooks', {
    token: busy,
    body: { url: 'https://example.com/hook', event: 'event.confirmed' },
  });
  expect(write.status).not.toBe(429);
});

it('charges the store’s time only: reads that never reach the store cost nothing', async () => {
  const team = await dispatcher.createTeam('budget-storeless');
  // Each of these took a millisecond or more of wall time, all charged before: the second was
  // refused. None calls the store, so none is charged now.
  for (let i = 0; i < 50; i++) {
    const check = await get(team, '/v1/webhook-url-check?url=https%3A%2F%2Fexample.com%2Fhook');
    expect(check.status).toBe(200);
    expect((await get(team, '/v1/me')).status).toBe(200);
  }
  // Its store reads are still charged, and refused once they have used the minute's millisecond.
  let status = 200;
  for (let i = 0; i < 2_000 && status === 200; i++) status = (await read(team)).status;
  expect(status).toBe(429);
});
