import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A wide-area network in user space, for benches (the kernel here has no netem): a TCP proxy
 * that delays every chunk by half a round trip in each direction, with jitter, and the
 * connection itself by one round trip (the TCP handshake), so that TLS handshakes and requests
 * pay what they would across the internet. Order within a direction is kept: a chunk never
 * leaves before the one read before it.
 */
export interface WanProxy {
  port: number;
  /** Connections accepted so far: each is a new TCP (and TLS) connection from the dispatcher. */
  connections(): number;
  /** The most connections open at once so far. */
  peakOpen(): number;
  close(): Promise<void>;
}

export interface WanOptions {
  rttMs: number;
  /** Each chunk's one-way delay varies by up to ± this share of it (0.1: ±10%). */
  jitter?: number;
}

/**
 * A one-way pipe that delays each chunk, keeping order (a later chunk waits for an earlier one);
 * nothing sets off before `departAt` (the connection is not open yet). One timer per direction
 * over a queue: a timer per chunk reordered chunks scheduled in one turn of the event loop (each
 * timer's delay is counted from the loop's cached clock, not from Date.now()), which corrupted TLS
 * records once many chunks shared a connection (HTTP/2).
 */
function delayedPipe(from: Socket, to: Socket, oneWayMs: () => number, departAt: number): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.due <= Date.now()) {
      const { chunk } = queue.shift()!;
      if (chunk === null) to.end();
      else if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.max(1, queue[0]!.due - Date.now()));
  };
  const push = (chunk: Buffer | null, due: number) => {
    queue.push({ due, chunk });
    if (timer === undefined) timer = setTimeout(flush, Math.max(0, queue[0]!.due - Date.now()));
  };
  let lastDue = 0;
  from.on('data', (chunk: Buffer) => {
    lastDue = Math.max(lastDue, Math.max(Date.now(), departAt) + oneWayMs());
    push(chunk, lastDue);
  });
  from.on('end', () => push(null, Math.max(lastDue, Date.now())));
}

export async function startWanProxy(upstreamPort: number, options: WanOptions): Promise<WanProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let openNow = 0;
  let peakOpen = 0;
  const jitter = options.jitter ?? 0.1;
  const oneWay = () => (options.rttMs / 2) * (1 + (Math.random() * 2 - 1) * jitter);
  const server: Server = createServer((client) => {
    accepted++;
    peakOpen = Math.max(peakOpen, ++openNow);
    client.once('close', () => openNow--);
    client.setNoDelay(true);
    const upstream = connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    // The TCP handshake: nothing the client sends sets off before its SYN and SYN-ACK, one round trip.
    const open = Date.now() + options.rttMs;
    delayedPipe(client, upstream, oneWay, open);
    delayedPipe(upstream, client, oneWay, 0);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => accepted,
    peakOpen: () => peakOpen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
