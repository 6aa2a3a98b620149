import { connect, createServer, type AddressInfo } from 'node:net';
import { startWanProxy } from './wanProxy';

// The bench's WAN (bench:field): a request through it pays its round trips, and arrives whole and in order.

async function echoServer() {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

it('delays a connection by a round trip and each exchange by another, keeping bytes in order', async () => {
  const echo = await echoServer();
  const proxy = await startWanProxy(echo.port, { rttMs: 100, jitter: 0 });
  const socket = connect({ port: proxy.port, host: '127.0.0.1' });
  const started = Date.now();
  const payload = Array.from({ length: 200 }, (_, i) => `chunk-${i};`);
  const received = await new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (data) => {
      text += data.toString();
      if (text.length === payload.join('').length) resolve(text);
    });
    for (const chunk of payload) socket.write(chunk);
  });
  const elapsed = Date.now() - started;
  expect(received).toBe(payload.join(''));
  // At least one round trip for the handshake and one for the echo (how long beyond is bench:field's to measure).
  expect(elapsed).toBeGreaterThanOrEqual(195);
  expect(proxy.connections()).toBe(1);
  socket.destroy();
  await proxy.close();
  echo.close();
});
