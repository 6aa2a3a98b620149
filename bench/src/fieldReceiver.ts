import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest } from 'node:http2';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

// bench:field's receiver, in its own process, behind the WAN proxies: answers at once, after the
// milliseconds a `slow-<ms>-*` host names, or never for `hung-*` hosts. It keeps, per webhook-id,
// the first arrival (epoch ms), the host, whether it came on a new connection, and whether over
// HTTP/2. Two ports: HTTP/1.1 only (most customers' receivers), and h2 offered in ALPN beside
// HTTP/1.1 (an integration platform's origin, as hooks.zapier.com is expected to).

type Arrival = [at: number, host: string, newConnection: boolean, http2: boolean];

const now = () => performance.timeOrigin + performance.now();
const arrivals = new Map<string, Arrival>();
// An HTTP/2 request's connection is its session (its `socket` is a proxy of its own stream).
const used = new WeakSet<object>();

const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse) => {
  const http2 = req.httpVersion === '2.0';
  const connection: object = http2 ? (req as Http2ServerRequest).stream.session! : req.socket;
  const authority = req.headers.host ?? req.headers[':authority'];
  const host = String(authority ?? '').replace(/:\d+$/, '');
  const newConnection = !used.has(connection);
  used.add(connection);
  req.resume();
  req.on('end', () => {
    const id = String(req.headers['webhook-id']);
    if (!arrivals.has(id)) arrivals.set(id, [now(), host, newConnection, http2]);
    if (host.startsWith('hung-')) return;
    const slow = /^slow-(\d+)-/.exec(host);
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (slow === null) answer();
    else setTimeout(answer, Number(slow[1]));
  });
};

const tls = { cert: readFileSync(process.env.CERT_FILE!), key: readFileSync(process.env.KEY_FILE!) };
const server = createServer(tls, handle);
server.keepAliveTimeout = 65_000;
const h2Server = createSecureServer({ ...tls, allowHTTP1: true }, handle as never);
// Node's HTTP/2 server lets a client send 64 KiB a round trip on a connection unless told more:
// at 300 ms, about 300 of these events a second. Go's and nginx's servers allow 1 MiB or more.
h2Server.on('session', (session) => session.setLocalWindowSize(1024 * 1024));
const listening = (listener: {
  listen: (port: number, host: string, done: () => void) => unknown;
  address: () => unknown;
}) =>
  new Promise<number>((resolve) =>
    listener.listen(0, '127.0.0.1', () => resolve((listener.address() as AddressInfo).port)),
  );
void Promise.all([listening(server), listening(h2Server)]).then(([port, h2Port]) =>
  process.send!({ type: 'listening', port, h2Port }),
);

process.on('message', (message: { type: string }) => {
  if (message.type === 'arrivals') process.send!({ type: 'arrivals', arrivals: [...arrivals] });
  if (message.type === 'count') process.send!({ type: 'count', unique: arrivals.size });
  if (message.type === 'reset') {
    arrivals.clear();
    process.send!({ type: 'reset' });
  }
});
