import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

// A team's reads share a budget of store time per minute (TEAM_API_STORE_MS_PER_MINUTE): past it,
// that team's reads are refused 429 with Retry-After, in the API's error shape; other teams and
// the team's own writes go on.
let dispatcher: TestDispatcher;

beforeAll(async () => {
  // One millisecond a minute: the first read uses it up.
  dispatcher = await startTestDispatcher({ TEAM_API_STORE_MS_PER_MINUTE: '1' });
});

afterAll(() => dispatcher.close());

const read = (token: string) =>
  fetch(`${dispatcher.url}/v1/deliveries?since=2020-01-01T00:00:00Z`, {
    headers: { authorization: `Bearer ${token}` },
  });

it('refuses a team’s reads past its store time, 429 with Retry-After, and leaves other teams alone', async () => {
  const busy = await dispatcher.createTeam('budget-busy');
  const quiet = await dispatcher.createTeam('budget-quiet');
  const answers: Response[] = [];
  // Bounded: the charge lands when the first answer is sent, so the second or third is refused.
  for (let i = 0; i < 5 && !answers.some((answer) => answer.status === 429); i++) answers.push(await read(busy));
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
