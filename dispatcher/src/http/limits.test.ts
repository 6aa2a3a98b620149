import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
let maxOpen = 0;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = (request) => {
    maxOpen = Math.max(maxOpen, (receiver.openRequests.get(request.path) ?? 0) + 1);
    return 'hang';
  };
  dispatcher = await startTestDispatcher(
    {
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      REQUEST_TIMEOUT_SECONDS: '1',
      HTTP_REQUEST_TIMEOUT_SECONDS: '1',
      INTERNAL_PORT: '0',
    },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

/** Calls the team API on the public listener, the internal API on the operators' one. */
const internalCall = (method: string, path: string, body?: unknown) =>
  fetch(`${dispatcher.internalUrl}${path}`, {
    method,
    headers: { authorization: 'Bearer internal-token-for-tests-0123456789', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function teamWithKey(teamId: string): Promise<string> {
  await internalCall('PUT', `/internal/v1/teams/${teamId}`, { name: teamId, adminEmails: ['a@example.com'] });
  return ((await (await internalCall('POST', `/internal/v1/teams/${teamId}/api-keys`)).json()) as { apiKey: string })
    .apiKey;
}

describe('limits that hold for every route', () => {
  it('answers a team past its rate 429 with Retry-After, and leaves other teams alone', async () => {
    const limitedDispatcher = await startTestDispatcher(
      { TEAM_API_REQUESTS_PER_SECOND: '5' },
      { lookup: async () => [] },
    );
    try {
      const [busy, calm] = [await limitedDispatcher.createTeam('busy'), await limitedDispatcher.createTeam('calm')];
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          fetch(`${limitedDispatcher.url}/v1/me`, { headers: { authorization: `Bearer ${busy}` } }),
        ),
      );
      // 5 a second: of 12 at once, at least 7 are refused while they fit in one second, and even
      // if the machine spread them over two, some are.
      const limited = answers.filter((answer) => answer.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(2);
      expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(5);
      for (const answer of limited) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await limitedDispatcher.call('GET', '/v1/me', { token: calm })).status).toBe(200);
    } finally {
      await limitedDispatcher.close();
    }
  });

  it('lets 100 concurrent test sends open no more connections than the webhook may have', async () => {
    const key = await teamWithKey('tester');
    const created = await fetch(`${dispatcher.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `https://receiver.test:${receiver.port}/hangs`, event: 'form.answered' }),
    });
    const { id } = (await created.json()) as { id: string };
    const statuses = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${dispatcher.url}/v1/webhooks/${id}/test`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
        }).then((answer) => answer.status),
      ),
    );
    // Never more open at once than the webhook's slots. Each test send that ran is one request the
    // receiver saw (it hung until its timeout: 200 with the failed outcome); every other one was
    // refused and sent nothing. How many ran depends on how fast the 100 arrived (a slot frees when
    // a send times out), so the test counts them rather than assume they all came within one timeout.
    const ran = statuses.filter((status) => status === 200).length;
    expect(maxOpen).toBeLessThanOrEqual(2);
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(receiver.received.filter((request) => request.path === '/hangs')).toHaveLength(ran);
    expect(statuses.filter((status) => status === 429)).toHaveLength(100 - ran);
  });

  it('cuts a request whose body is still arriving at HTTP_REQUEST_TIMEOUT_SECONDS', async () => {
    const { port } = new URL(dispatcher.internalUrl);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.write(
      'POST /internal/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer internal-token-for-tests-0123456789\r\n' +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('keeps its files private: folders 0700, files 0600', () => {
    expect(statSync(dispatcher.dataDir).mode & 0o777).toBe(0o700);
    const files = dispatcher.store.engine === 'sqlite' ? ['dispatcher.db', 'dispatcher.db-wal'] : [];
    for (const file of files) {
      expect(statSync(join(dispatcher.dataDir, file)).mode & 0o777).toBe(0o600);
    }
  });
});
