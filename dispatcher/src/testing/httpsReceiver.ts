import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ThrowawayCa } from '@spir-webhooks/shared-types/testing';

export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** How the receiver answers one request: a status, or never (until the connection closes). */
export type ReceiverAnswer =
  | {
      status: number;
      headers?: Record<string, string>;
      body?: string;
      delayMs?: number;
      /** Answers once this settles: the test decides when, and the count of open requests is exact. */
      heldUntil?: Promise<unknown>;
    }
  | 'hang';

export interface HttpsReceiver {
  port: number;
  received: ReceivedRequest[];
  /** Requests answered not yet (hanging or held), by path. */
  openRequests: Map<string, number>;
  /** Decides each answer; the default is 200. */
  answer: (request: ReceivedRequest, index: number) => ReceiverAnswer;
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** A real HTTPS server on loopback, with a certificate from the test's throwaway CA. */
export async function startHttpsReceiver(ca: ThrowawayCa, hostnames: readonly string[]): Promise<HttpsReceiver> {
  const { cert, key } = await ca.issue(hostnames);
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: HttpsReceiver = {
    port: 0,
    received: [],
    openRequests: new Map(),
    answer: () => ({ status: 200, body: 'ok' }),
    async waitForRequests(count, timeoutMs = 15_000) {
      if (receiver.received.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(new Error(`receiver got ${receiver.received.length} of ${count} requests within ${timeoutMs} ms`)),
            timeoutMs,
          );
          waiters.push({
            count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return receiver.received;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server: Server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const index = receiver.received.push(request) - 1;
      for (const waiter of waiters.filter((w) => receiver.received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const answer = receiver.answer(request, index);
      if (answer === 'hang') {
        const open = receiver.openRequests;
        open.set(request.path, (open.get(request.path) ?? 0) + 1);
        res.on('close', () => open.set(request.path, (open.get(request.path) ?? 1) - 1));
        return;
      }
      const send = () => res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      if (answer.heldUntil !== undefined) {
        const open = receiver.openRequests;
        open.set(request.path, (open.get(request.path) ?? 0) + 1);
        void answer.heldUntil.then(() => {
          open.set(request.path, (open.get(request.path) ?? 1) - 1);
          send();
        });
      } else if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.port = (server.address() as AddressInfo).port;
  return receiver;
}
