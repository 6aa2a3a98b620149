import { cloneSample, samples } from '@spir-webhooks/shared-types';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

let dispatcher: TestDispatcher;
let apiKey: string;

beforeAll(async () => {
  // Nothing listens at the webhook URL: these tests are about what ingest stores and answers.
  dispatcher = await startTestDispatcher({ RETRY_INTERVAL_SECONDS: '60' }, { lookup: async () => [] });
  apiKey = await dispatcher.createTeam('acme', { maxUrlsPerEvent: 2 });
  for (const url of ['https://a.example.com/hook', 'https://b.example.com/hook']) {
    expect(
      (await dispatcher.call('POST', '/v1/webhooks', { token: apiKey, body: { url, event: 'event.confirmed' } }))
        .status,
    ).toBe(201);
  }
});

afterAll(() => dispatcher.close());

const ingest = (body: unknown, options: { token?: string; contentType?: string; rawBody?: string } = {}) =>
  dispatcher.call('POST', '/internal/v1/events', { body, ...options });

describe('POST /internal/v1/events', () => {
  it('stores the event and creates one delivery per webhook of its team and name', async () => {
    const event = { ...cloneSample('event.confirmed'), webhookEventId: 'evt-fanout' };
    const { status, body } = await ingest({ teamId: 'acme', urlKind: 'template', event });
    expect(status).toBe(202);
    expect(body).toEqual({
      webhookEventId: 'evt-fanout',
      deliveries: [expect.stringMatching(/^dlv_/), expect.stringMatching(/^dlv_/)],
      duplicate: false,
    });
  });

  it('creates nothing new for the same team and webhookEventId', async () => {
    const event = { ...cloneSample('event.confirmed'), webhookEventId: 'evt-twice' };
    const first = await ingest({ teamId: 'acme', urlKind: 'template', event });
    const second = await ingest({ teamId: 'acme', urlKind: 'template', event });
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ ...first.body, duplicate: true });
    const recent = await dispatcher.call('GET', '/v1/events?name=event.confirmed&limit=100', { token: apiKey });
    expect(recent.body.data.filter((e: { webhookEventId: string }) => e.webhookEventId === 'evt-twice')).toHaveLength(
      1,
    );
  });

  it('refuses a reused webhookEventId with a different body', async () => {
    const event = { ...cloneSample('form.answered'), webhookEventId: 'evt-reused' };
    await ingest({ teamId: 'acme', urlKind: 'template', event });
    const changed = { ...event, payload: { ...event.payload, privateTitle: 'another' } };
    expect(await ingest({ teamId: 'acme', urlKind: 'template', event: changed })).toMatchObject({
      status: 409,
      body: { error: { code: 'event_id_reused' } },
    });
  });

  it('takes an event whose text holds a NUL character, exactly as sent, on either engine', async () => {
    const event = cloneSample('event.confirmed');
    event.webhookEventId = 'evt-nul';
    event.payload.privateTitle = 'Sales\u0000call';
    const { status } = await ingest({ teamId: 'acme', urlKind: 'template', event });
    expect(status).toBe(202);
    const recent = await dispatcher.call('GET', '/v1/events?name=event.confirmed&limit=100', { token: apiKey });
    const stored = recent.body.data.find((e: { webhookEventId: string }) => e.webhookEventId === 'evt-nul');
    expect(stored.payload.privateTitle).toBe('Sales\u0000call');
    // The link's title, kept beside it for the console, holds U+FFFD in its place.
    const links = await dispatcher.call('GET', '/v1/availability-links', { token: apiKey });
    expect(links.body.data.map((link: { privateTitle: string }) => link.privateTitle)).toContain('Sales\uFFFDcall');
  });

  it('records events from one-off availability URLs without delivering them', async () => {
    const event = { ...cloneSample('event.confirmed'), webhookEventId: 'evt-oneoff' };
    const { status, body } = await ingest({ teamId: 'acme', urlKind: 'oneOff', event });
    expect(status).toBe(202);
    expect(body.deliveries).toEqual([]);
  });

  it('takes a date without an offset and names it in contractDeviations', async () => {
    const event = cloneSample('event.canceled') as unknown as {
      webhookEventId: string;
      payload: Record<string, unknown>;
    };
    event.webhookEventId = 'evt-no-offset';
    event.payload.canceledAt = '2026-11-21 16:40';
    const { status, body } = await ingest({ teamId: 'acme', urlKind: 'template', event });
    expect(status).toBe(202);
    expect(body.contractDeviations).toEqual([
      { path: 'payload.canceledAt', problem: expect.stringContaining('with an offset') as string },
    ]);
  });

  it.each([
    ['an unknown url kind', { teamId: 'acme', urlKind: 'personal', event: samples['form.answered'] }, ['urlKind']],
    ['a missing event', { teamId: 'acme', urlKind: 'template' }, ['event']],
  ])('answers 400 for %s', async (_what, body, path) => {
    const response = await ingest(body);
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues.map((i: { path: unknown }) => i.path)).toContainEqual(path);
  });

  it('answers 400 for a body that is not JSON', async () => {
    expect(await ingest(undefined, { rawBody: '{"teamId": ' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json' } },
    });
  });

  it('answers 413 for a body over 256 KiB', async () => {
    const event = cloneSample('form.answered');
    event.payload.formAnswers = [{ questionId: 'q1', question: 'q', answer: 'x'.repeat(300 * 1024) }];
    expect(await ingest({ teamId: 'acme', urlKind: 'template', event })).toMatchObject({
      status: 413,
      body: { error: { code: 'payload_too_large' } },
    });
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const body = JSON.stringify({ teamId: 'acme', urlKind: 'template', event: samples['form.answered'] });
    expect(await ingest(undefined, { rawBody: body, contentType: 'text/plain' })).toMatchObject({
      status: 415,
      body: { error: { code: 'unsupported_media_type' } },
    });
  });

  it('answers 401 without the internal token, or with a team key', async () => {
    expect((await ingest({}, { token: 'wrong-token-wrong-token' })).status).toBe(401);
    // The length of the real one (internal-token-for-tests-0123456789), one character off, and a prefix of it.
    expect((await ingest({}, { token: 'internal-token-for-testz' })).status).toBe(401);
    expect((await ingest({}, { token: 'internal-token-for-test' })).status).toBe(401);
    expect((await ingest({}, { token: apiKey })).status).toBe(401);
  });

  it("takes the route's other spellings (a query, a trailing slash) the same way", async () => {
    const event = (id: string) => ({
      teamId: 'acme',
      urlKind: 'template',
      event: { ...samples['form.answered'], webhookEventId: id },
    });
    for (const [path, id] of [
      ['/internal/v1/events?source=core', 'evt-query'],
      ['/internal/v1/events/', 'evt-slash'],
    ] as const) {
      const { status, body } = await dispatcher.call('POST', path, { body: event(id) });
      expect({ path, status, duplicate: body.duplicate }).toEqual({ path, status: 202, duplicate: false });
    }
    expect(
      (
        await dispatcher.call('POST', '/internal/v1/events/', {
          body: event('evt-x'),
          token: 'wrong-token-wrong-token',
        })
      ).status,
    ).toBe(401);
  });

  it('answers 404 for a team that does not exist, and 202 once it has been created', async () => {
    const event = { teamId: 'later', urlKind: 'template', event: samples['form.answered'] };
    expect(await ingest(event)).toMatchObject({ status: 404, body: { error: { code: 'team_not_found' } } });
    await dispatcher.createTeam('later');
    expect(await ingest(event)).toMatchObject({ status: 202, body: { duplicate: false } });
    expect(await ingest(event)).toMatchObject({ status: 202, body: { duplicate: true } });
  });
});
