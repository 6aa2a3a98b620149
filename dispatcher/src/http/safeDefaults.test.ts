import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { cloneSample } from '@spir-webhooks/shared-types';
import { spawnDispatcher } from '../testing/dispatcherProcess';
import { freePort } from '../testing/freePort';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

// The findings of the security review, one test each: what a default deployment must hold.

let dispatcher: TestDispatcher;
let apiKey: string;
const logLines: string[] = [];

beforeAll(async () => {
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  dispatcher = await startTestDispatcher(
    {
      RETRY_INTERVAL_SECONDS: '0.05',
      MAX_RETRIES: '0',
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: '5',
      HTTP_UNAUTHENTICATED_IDLE_SECONDS: '1',
    },
    { lookup: async () => [], logger },
  );
  apiKey = await dispatcher.createTeam('safe');
});

afterAll(() => dispatcher.close());

const publicFetch = (path: string, init: RequestInit = {}) => fetch(`${dispatcher.url}${path}`, init);

describe('the internal API off the public port', () => {
  it('answers the internal API, ingest and /metrics on the internal listener only, on 127.0.0.1', async () => {
    expect(new URL(dispatcher.internalUrl).hostname).toBe('127.0.0.1');
    expect(dispatcher.internalUrl).not.toBe(dispatcher.url);
    const bearer = { authorization: `Bearer ${dispatcher.internalApiToken}`, 'content-type': 'application/json' };
    const team = {
      method: 'PUT',
      headers: bearer,
      body: JSON.stringify({ name: 'v', adminEmails: ['a@example.com'] }),
    };
    expect((await publicFetch('/internal/v1/teams/victim', team)).status).toBe(404);
    const event = JSON.stringify({ teamId: 'safe', urlKind: 'template', event: cloneSample('form.answered') });
    expect((await publicFetch('/internal/v1/events', { method: 'POST', headers: bearer, body: event })).status).toBe(
      404,
    );
    expect((await publicFetch('/metrics')).status).toBe(404);
    expect((await fetch(`${dispatcher.internalUrl}/internal/v1/teams/victim`, team)).status).toBe(200);
  });

  it('never prints a generated internal token; the banner names the file that holds it', async () => {
    const process = await spawnDispatcher({ DATA_DIR: dispatcher.dataDir + '-spawned' }, await freePort());
    try {
      await waitFor('the banner', () => (process.output().includes('Internal API token') ? true : undefined));
      const token = readFileSync(`${dispatcher.dataDir}-spawned/internal-api-token`, 'utf8').trim();
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(process.output()).toContain('internal-api-token (not printed)');
      expect(process.output()).not.toContain(token);
    } finally {
      await process.stop();
    }
  });
});

/** A raw connection from `localAddress`, resolved once connected; `closed` tells whether the server closed it. */
async function rawConnection(
  localAddress: string,
): Promise<{ socket: Socket; closed: () => boolean; received: () => string }> {
  const { port } = new URL(dispatcher.url);
  const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress });
  let closed = false;
  let received = '';
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, closed: () => closed, received: () => received };
}

describe('no one client takes the room of every other', () => {
  it('closes connections from one address past its limit, while another address is served', async () => {
    // Not 127.0.0.1: the earlier tests' fetch keeps connections from there open for a while.
    const held = await Promise.all(Array.from({ length: 5 }, () => rawConnection('127.0.0.4')));
    const extra = await rawConnection('127.0.0.4');
    await waitFor('the sixth connection to be closed', () => (extra.closed() ? true : undefined));
    expect(held.every((c) => !c.closed())).toBe(true);
    const other = await rawConnection('127.0.0.2');
    other.socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    await waitFor('the other address to be answered', () => (other.received().includes('200 OK') ? true : undefined));
    for (const c of [...held, other]) c.socket.destroy();
  });

  it('closes an idle connection on which nothing authenticated sooner than an authenticated one', async () => {
    const anonymous = await rawConnection('127.0.0.3');
    anonymous.socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    const signedIn = await rawConnection('127.0.0.3');
    signedIn.socket.write(`GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\n\r\n`);
    await waitFor('both answers', () =>
      anonymous.received().includes('200 OK') && signedIn.received().includes('200 OK') ? true : undefined,
    );
    await waitFor('the anonymous connection to be closed', () => (anonymous.closed() ? true : undefined), 5_000);
    expect(signedIn.closed()).toBe(false);
    signedIn.socket.destroy();
  });
});

describe('bodies and answers of the team API', () => {
  it('refuses rotate-secret with a form body (415) instead of dropping its flag', async () => {
    const created = await dispatcher.call('POST', '/v1/webhooks', {
      token: apiKey,
      body: { url: 'https://hooks.example.com/rotate', event: 'form.answered' },
    });
    const rotate = await publicFetch(`/v1/webhooks/${created.body.id}/rotate-secret`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'expireCurrentNow=true',
    });
    expect(rotate.status).toBe(415);
    const secrets = await dispatcher.call('GET', `/v1/webhooks/${created.body.id}/secret`, { token: apiKey });
    expect(secrets.body.secrets).toHaveLength(1);
    expect(secrets.body.secrets[0].secret).toBe(created.body.secret);
  });

  it('marks every team API answer nosniff and no-store, refusals included', async () => {
    for (const headers of [{ authorization: `Bearer ${apiKey}` }, { authorization: 'Bearer spk_wrong' }]) {
      const answer = await publicFetch('/v1/me', { headers });
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('marks every answer nosniff: each /console/session route, the console, ingest, the internal API', async () => {
    const json = { 'content-type': 'application/json' };
    const signIn = await publicFetch('/console/session', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiKey }),
    });
    expect(signIn.status).toBe(204);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const session = await publicFetch('/console/session', { headers: { cookie } });
    expect(session.status).toBe(200);
    const csrf = ((await session.json()) as { csrfToken: string }).csrfToken;
    const answers = [
      signIn,
      session,
      await publicFetch('/console/session'),
      await publicFetch('/console/session', { method: 'POST', headers: json, body: '{"apiKey":' }),
      await publicFetch('/console/session', { method: 'POST', headers: json, body: JSON.stringify({ apiKey: 'x' }) }),
      await publicFetch('/console/session', { method: 'POST', body: 'apiKey=x' }),
      await publicFetch('/console/session', { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } }),
      await publicFetch('/console/session', { method: 'DELETE' }),
      await publicFetch('/console/sign-in?token=nothing'),
      await publicFetch('/healthz'),
      await publicFetch('/nowhere'),
      await fetch(`${dispatcher.internalUrl}/internal/v1/events`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${dispatcher.internalApiToken}` },
        body: '{}',
      }),
      await fetch(`${dispatcher.internalUrl}/internal/v1/teams/safe/api-keys`),
    ];
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([204, 200, 401, 400, 415, 403, 404]));
    for (const answer of answers) expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('resends a delivery at most once a minute: 429 with Retry-After', async () => {
    const created = await dispatcher.call('POST', '/v1/webhooks', {
      token: apiKey,
      body: { url: 'https://nowhere.example.com/resend', event: 'event.confirmed' },
    });
    expect(created.status).toBe(201);
    const ingested = await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId: 'safe', urlKind: 'template', event: cloneSample('event.confirmed') },
    });
    const id = ingested.body.deliveries[0] as string;
    const failed = async () => {
      const { body } = await dispatcher.call('GET', `/v1/deliveries/${id}`, { token: apiKey });
      return body.status === 'failed' ? true : undefined;
    };
    await waitFor('the delivery to fail', failed);
    expect((await dispatcher.call('POST', `/v1/deliveries/${id}/resend`, { token: apiKey })).status).toBe(202);
    await waitFor('the resent round to fail', failed);
    const again = await publicFetch(`/v1/deliveries/${id}/resend`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('logs', () => {
  it('never carry a query string, such as the token of an unused sign-in link', async () => {
    await dispatcher.store.close();
    const answer = await publicFetch('/console/sign-in?token=unused-link-token-value');
    expect(answer.status).toBeGreaterThanOrEqual(500);
    const logged = logLines.join('');
    expect(logged).toContain('/console/sign-in');
    expect(logged).not.toContain('unused-link-token-value');
  });
});
