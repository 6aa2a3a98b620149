import { Webhook } from 'standardwebhooks';
import type { Agent } from 'undici';
import { createThrowawayCa, type ThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { createDeliveryAgent, type DeliveryAgentOptions } from './deliveryAgent';
import { sendAttempt } from './sendAttempt';

// The sending agent against real HTTPS servers on loopback: an origin that offers h2 in ALPN (as
// hooks.zapier.com is expected to) gets its attempts multiplexed on one connection, an origin that
// keeps HTTP/1.1 one attempt per connection, and the connections of every origin together stay
// within the agent's cap.

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8=';
let ca: ThrowawayCa;
const agents: Agent[] = [];
const receivers: HttpsReceiver[] = [];

beforeAll(async () => {
  ca = await createThrowawayCa();
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.destroy()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(host: string, http2: boolean, maxConcurrentStreams?: number): Promise<HttpsReceiver> {
  const started = await startHttpsReceiver(ca, [host], {
    http2,
    ...(maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams }),
  });
  receivers.push(started);
  return started;
}

function agentFor(hosts: string[], options: Partial<DeliveryAgentOptions> = {}): Agent {
  const agent = createDeliveryAgent({
    pinnedHosts: new Map(hosts.map((host) => [host, '127.0.0.1'])),
    connectTimeoutMs: 5_000,
    ca: [ca.caCert],
    ...options,
  });
  agents.push(agent);
  return agent;
}

const send = (agent: Agent, url: string, id: string, timeoutMs = 10_000) =>
  sendAttempt(
    { url, webhookEventId: id, body: JSON.stringify({ webhookEventId: id }), secrets: [secret] },
    { agent, timeoutMs, startedAt: Date.now() },
  );

/** A promise the test resolves, and the receiver's answer that waits for it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, answer: { status: 200, body: 'ok', heldUntil: opened } };
}

describe('connections to one origin', () => {
  it('multiplexes attempts on one HTTP/2 connection, signed and whole', async () => {
    const hooks = await receiver('hooks.test', true);
    const agent = agentFor(['hooks.test']);
    const url = (i: number) => `https://hooks.test:${hooks.port}/hooks/catch/${i}/`;
    expect((await send(agent, url(0), 'evt_first')).succeeded).toBe(true);

    // 40 at once, none answered before all have arrived: they are in flight together.
    const held = gate();
    hooks.answer = () => held.answer;
    const sent = Array.from({ length: 40 }, (_, i) => send(agent, url(i + 1), `evt_${i + 1}`));
    await hooks.waitForRequests(41);
    held.open();
    const outcomes = await Promise.all(sent);

    expect(outcomes.every((outcome) => outcome.succeeded)).toBe(true);
    expect(hooks.connections.accepted).toBe(1);
    for (const [i, request] of hooks.received.entries()) {
      expect(request.httpVersion).toBe('2.0');
      const id = i === 0 ? 'evt_first' : `evt_${request.path.split('/')[3]}`;
      expect(request.headers).toMatchObject({
        'webhook-id': id,
        'content-type': 'application/json',
        'user-agent': expect.stringMatching(/^Spir-Webhooks\//),
      });
      expect(JSON.parse(request.body)).toEqual({ webhookEventId: id });
      expect(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    }
    expect(new Set(hooks.received.map((request) => request.path)).size).toBe(41);
  });

  it('opens one connection for a first burst to an origin that offers h2', async () => {
    const hooks = await receiver('hooks.test', true);
    const agent = agentFor(['hooks.test']);
    const sent = Array.from({ length: 20 }, (_, i) => send(agent, `https://hooks.test:${hooks.port}/c/${i}`, `c${i}`));
    expect((await Promise.all(sent)).every((outcome) => outcome.succeeded)).toBe(true);
    expect(hooks.connections.accepted).toBe(1);
    expect(hooks.received.every((request) => request.httpVersion === '2.0')).toBe(true);
  });

  it('keeps HTTP/1.1 for an origin that does not offer h2: one attempt per connection', async () => {
    const own = await receiver('own.test', false);
    const agent = agentFor(['own.test']);
    const held = gate();
    own.answer = () => held.answer;
    const sent = Array.from({ length: 6 }, (_, i) => send(agent, `https://own.test:${own.port}/hook`, `evt_h1_${i}`));
    await own.waitForRequests(6);
    held.open();
    expect((await Promise.all(sent)).every((outcome) => outcome.succeeded)).toBe(true);
    expect(own.received.every((request) => request.httpVersion === '1.1')).toBe(true);
    expect(own.connections.accepted).toBe(6);
  });

  it('holds on its connection what a server allows no stream for yet, once it has said how many', async () => {
    const hooks = await receiver('hooks.test', true, 5);
    hooks.answer = () => ({ status: 200, delayMs: 50 });
    const agent = agentFor(['hooks.test']);
    // Streams opened before the server's SETTINGS arrive may be refused (RFC 9113 recommends at
    // least 100): the first attempt opens the connection.
    expect((await send(agent, `https://hooks.test:${hooks.port}/h/first`, 'first')).succeeded).toBe(true);
    const sent = Array.from({ length: 30 }, (_, i) => send(agent, `https://hooks.test:${hooks.port}/h/${i}`, `e${i}`));
    const outcomes = await Promise.all(sent);
    expect(outcomes.filter((outcome) => !outcome.succeeded).map((outcome) => outcome.error)).toEqual([]);
    expect(hooks.connections.accepted).toBe(1);
  });
});

describe('the cap on connections to every origin together', () => {
  it('never holds more than its cap open; a new connection waits for one to close', async () => {
    // One server for two origins (two host names): its count of open connections is theirs together.
    const both = await startHttpsReceiver(ca, ['one.test', 'two.test']);
    receivers.push(both);
    const agent = agentFor(['one.test', 'two.test'], { totalConnections: 3 });
    const held = gate();
    both.answer = () => ({ ...held.answer, headers: { connection: 'close' } });
    const sent = ['one', 'two'].flatMap((host) =>
      Array.from({ length: 4 }, (_, i) => send(agent, `https://${host}.test:${both.port}/hook`, `${host}_${i}`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(both.received).toHaveLength(3);
    held.open();
    expect((await Promise.all(sent)).every((outcome) => outcome.succeeded)).toBe(true);
    expect(both.connections.peakOpen).toBe(3);
    expect(both.connections.accepted).toBe(8);
  });

  it('fails an attempt whose connection waited past the connect limit, naming the cap', async () => {
    const one = await receiver('one.test', false);
    const agent = agentFor(['one.test'], { totalConnections: 1, connectTimeoutMs: 300 });
    const held = gate();
    one.answer = () => held.answer;
    const first = send(agent, `https://one.test:${one.port}/a`, 'a');
    await one.waitForRequests(1);
    const second = await send(agent, `https://one.test:${one.port}/b`, 'b');
    expect(second.succeeded).toBe(false);
    expect(second.error).toMatchObject({
      code: 'connection_limit',
      message: expect.stringContaining('DELIVERY_CONNECTIONS'),
    });
    held.open();
    expect((await first).succeeded).toBe(true);
  });

  it('closes an idle connection for one that waits, HTTP/2 and HTTP/1.1 alike', async () => {
    const both = await startHttpsReceiver(ca, ['one.test', 'two.test']);
    const hooks = await receiver('hooks.test', true);
    receivers.push(both);
    // Kept-alive connections would stay open for seconds; the wait is bounded at 1 s.
    const agent = agentFor(['one.test', 'two.test', 'hooks.test'], { totalConnections: 1, connectTimeoutMs: 1_000 });
    const urls = [
      `https://one.test:${both.port}/a`,
      `https://hooks.test:${hooks.port}/b`,
      `https://two.test:${both.port}/c`,
    ];
    for (const [i, url] of urls.entries()) expect((await send(agent, url, `idle_${i}`)).succeeded).toBe(true);
    expect(both.connections.accepted + hooks.connections.accepted).toBe(3);
    expect(hooks.received[0]!.httpVersion).toBe('2.0');
  });

  it('checks the address of every connection, HTTP/2 included', async () => {
    const hooks = await receiver('hooks.test', true);
    const agent = agentFor([], { lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
    const outcome = await send(agent, `https://hooks.test:${hooks.port}/hook`, 'blocked');
    expect(outcome.error).toMatchObject({ code: 'blocked_address' });
    expect(hooks.connections.accepted).toBe(0);
  });
});
