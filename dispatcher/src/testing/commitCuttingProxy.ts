import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of PostgreSQL that can lose a connection right after it sends a COMMIT. */
export interface CommitCuttingProxy {
  port: number;
  /**
   * On the next connection whose traffic contains `marker` (a value a transaction writes), the
   * COMMIT that follows reaches the server, which commits, and then the connection is cut both
   * ways before the answer comes back: the client cannot know whether it committed.
   */
  cutCommitAfter(marker: string): void;
  /** How many COMMITs were cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

// A simple-protocol query message carrying COMMIT, as node-postgres sends it.
const commit = Buffer.from('COMMIT\0');

export async function startCommitCuttingProxy(target: { host: string; port: number }): Promise<CommitCuttingProxy> {
  let marker: Buffer | undefined;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client).add(upstream);
    let marked = false;
    let cut = false;
    client.on('data', (chunk: Buffer) => {
      if (marker !== undefined && chunk.includes(marker)) {
        marked = true;
        marker = undefined;
      }
      if (marked && chunk.includes(commit)) {
        cuts++;
        cut = true;
        // end() sends the COMMIT before closing; the server reads and runs it, then sees the close.
        upstream.end(chunk);
        client.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk);
    });
    // Once cut, the server side is left to close by itself, so that the COMMIT is not lost on the way.
    const closeClient = () => {
      sockets.delete(client.destroy());
      if (!cut) upstream.destroy();
    };
    const closeUpstream = () => {
      sockets.delete(upstream.destroy());
      client.destroy();
    };
    client.on('close', closeClient).on('error', closeClient);
    upstream.on('close', closeUpstream).on('error', closeUpstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cutCommitAfter(value) {
      marker = Buffer.from(value);
    },
    get cuts() {
      return cuts;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
