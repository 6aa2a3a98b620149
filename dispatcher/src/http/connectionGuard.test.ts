import { connect, type Socket } from 'node:net';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';
import { clientOf } from './connectionGuard';

// Many addresses holding idle sockets up to the listener's cap, each reopened as soon as it is
// closed: a client that sends a request must still be served.

const cap = 40;
const perAddress = 5;
let dispatcher: TestDispatcher;
let port: number;
let attacking = true;
const attackers = new Set<Socket>();

beforeAll(async () => {
  dispatcher = await startTestDispatcher({
    HTTP_MAX_CONNECTIONS: String(cap),
    HTTP_MAX_CONNECTIONS_PER_ADDRESS: String(perAddress),
    // Long enough that only shedding, not the idle timer, can make room during the test.
    HTTP_UNAUTHENTICATED_IDLE_SECONDS: '120',
  });
  port = Number(new URL(dispatcher.url).port);
});
afterAll(async () => {
  attacking = false;
  for (const socket of attackers) socket.destroy();
  await dispatcher.close();
});

/** An idle socket from `localAddress` that opens itself again whenever the dispatcher closes it. */
function holdIdle(localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    attackers.add(socket);
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve());
    socket.once('close', () => {
      attackers.delete(socket);
      if (attacking) void holdIdle(localAddress);
    });
  });
}

async function requestOnNewConnection(localAddress: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let received = '';
  let closed = false;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('close', () => (closed = true));
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await waitFor('an answer or a close', () => (received.includes('\r\n\r\n') || closed ? true : undefined), 10_000);
  socket.destroy();
  return received.split('\r\n')[0] ?? '';
}

describe('a listener held full of idle connections', () => {
  it('sheds idle connections that never authenticated, oldest first, so a client that asks is served', async () => {
    const addresses = Array.from({ length: cap / perAddress }, (_, i) => `127.0.0.${10 + i}`);
    for (const address of addresses) await Promise.all(Array.from({ length: perAddress }, () => holdIdle(address)));
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await requestOnNewConnection('127.0.0.60'));
    expect(answers).toEqual(Array(10).fill('HTTP/1.1 200 OK'));
  });
});

describe('clientOf', () => {
  it('counts an IPv6 address by its /64, an IPv4-mapped one as its IPv4 address', () => {
    expect(clientOf('2001:db8:1:2:3:4:5:6')).toBe(clientOf('2001:db8:1:2::9'));
    expect(clientOf('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(clientOf('2001:db8:1:3::1')).not.toBe(clientOf('2001:db8:1:2::1'));
    expect(clientOf('::1')).toBe('0:0:0:0::/64');
    expect(clientOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientOf('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientOf('127.0.0.1')).toBe('127.0.0.1');
  });
});
