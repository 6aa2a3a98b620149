import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ThrowawayCa } from '@spir-webhooks/shared-types/testing';

export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** '1.1' or '2.0' (always set by the receiver; optional for requests a test builds itself). */
  httpVersion?: string;
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
  /** TLS connections accepted so far, and the most open at once. */
  connections: { accepted: number; peakOpen: number };
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * A real HTTPS server on loopback, with a certificate from the test's throwaway CA. With `http2`,
 * it offers h2 in ALPN beside HTTP/1.1 (as node:http2's secure server with `allowHTTP1`).
 */
export async function startHttpsReceiver(
  ca: ThrowawayCa,
  hostnames: readonly string[],
  options: { http2?: boolean; maxConcurrentStreams?: number } = {},
): Promise<HttpsReceiver> {
  const { cert, key } = await ca.issue(hostnames);
  let openNow = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: HttpsReceiver = {
    port: 0,
    received: [],
    openRequests: new Map(),
    connections: { accepted: 0, peakOpen: 0 },
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
      for (const socket of sockets) socket.destroy();
      if ('closeAllConnections' in server) server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const sockets = new Set<TLSSocket>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        httpVersion: req.httpVersion,
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
  };
  // node:http2's compatibility API hands HTTP/2 and HTTP/1.1 requests to the same handler.
  const server =
    options.http2 === true
      ? createSecureServer(
          { cert, key, allowHTTP1: true, settings: { maxConcurrentStreams: options.maxConcurrentStreams ?? 100 } },
          handle as never,
        )
      : createServer({ cert, key }, handle);
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    receiver.connections.accepted++;
    receiver.connections.peakOpen = Math.max(receiver.connections.peakOpen, ++openNow);
    // Open until the client ends it: its next connection may be accepted before this one's close.
    let ended = false;
    const closed = () => {
      if (ended) return;
      ended = true;
      openNow--;
    };
    socket.once('end', closed);
    socket.once('close', () => {
      sockets.delete(socket);
      closed();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.port = (server.address() as AddressInfo).port;
  return receiver;
}
