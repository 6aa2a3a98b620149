import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

// The benchmark's receiver, in its own process: answers 200 at once, or never for hosts named
// hung-*, and keeps the first arrival time of each webhook-id (epoch ms, comparable across processes).

const now = () => performance.timeOrigin + performance.now();
const arrivals = new Map<string, number>();
let requests = 0;

const server = createServer(
  { cert: readFileSync(process.env.CERT_FILE!), key: readFileSync(process.env.KEY_FILE!) },
  (req, res) => {
    if (req.headers.host?.startsWith('hung-') === true) {
      req.resume();
      return;
    }
    req.resume();
    req.on('end', () => {
      requests++;
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) arrivals.set(id, now());
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  },
);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send!({ type: 'listening', port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', unique: arrivals.size, requests });
  if (message.type === 'arrivals') process.send!({ type: 'arrivals', arrivals: [...arrivals] });
  if (message.type === 'reset') {
    arrivals.clear();
    requests = 0;
    process.send!({ type: 'reset' });
  }
});
