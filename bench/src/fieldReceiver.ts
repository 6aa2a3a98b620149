import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

// bench:field's receiver, in its own process, behind the WAN proxies: answers at once, after the
// milliseconds a `slow-<ms>-*` host names, or never for `hung-*` hosts. It keeps, per webhook-id,
// the first arrival (epoch ms), the host, and whether it came on a new connection.

const now = () => performance.timeOrigin + performance.now();
const arrivals = new Map<string, [at: number, host: string, newConnection: boolean]>();
const used = new WeakSet<Socket>();

const server = createServer(
  { cert: readFileSync(process.env.CERT_FILE!), key: readFileSync(process.env.KEY_FILE!) },
  (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const newConnection = !used.has(req.socket);
    used.add(req.socket);
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) arrivals.set(id, [now(), host, newConnection]);
      if (host.startsWith('hung-')) return;
      const slow = /^slow-(\d+)-/.exec(host);
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      if (slow === null) answer();
      else setTimeout(answer, Number(slow[1]));
    });
  },
);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (server.address() as AddressInfo).port }));

process.on('message', (message: { type: string }) => {
  if (message.type === 'arrivals') process.send!({ type: 'arrivals', arrivals: [...arrivals] });
  if (message.type === 'count') process.send!({ type: 'count', unique: arrivals.size });
  if (message.type === 'reset') {
    arrivals.clear();
    process.send!({ type: 'reset' });
  }
});
