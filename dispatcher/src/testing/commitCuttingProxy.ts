import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of PostgreSQL that can lose a connection right after it sends a COMMIT. */
export interface CommitCuttingProxy {
  port: number;
  /**
   * Cuts the next transaction whose traffic, either way, contained every one of `markers` (values
   * it wrote, read or ran): its COMMIT reaches the server, which commits, and then the connection
   * is cut both ways before the answer comes back, so the client cannot know whether it committed.
   */
  cutCommitOf(...markers: string[]): void;
  /** How many COMMITs were cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

// Simple-protocol query messages ending a transaction, as node-postgres sends them.
const commit = Buffer.from('COMMIT\0');
const rollback = Buffer.from('ROLLBACK\0');

export async function startCommitCuttingProxy(target: { host: string; port: number }): Promise<CommitCuttingProxy> {
  let armed: string[] | undefined;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client).add(upstream);
    // What this connection's current transaction carried, both ways, joined so that a marker
    // split between two chunks is found; bounded, for connections that never commit (LISTEN).
    let carried = '';
    let cut = false;
    const carry = (chunk: Buffer) => {
      carried = (carried + chunk.toString('latin1')).slice(-65_536);
    };
    const carriedAll = () => armed !== undefined && armed.every((marker) => carried.includes(marker));
    client.on('data', (chunk: Buffer) => {
      carry(chunk);
      if (chunk.includes(commit) && carriedAll()) {
        armed = undefined;
        cuts++;
        cut = true;
        // end() sends the COMMIT before closing; the server reads and runs it, then sees the close.
        upstream.end(chunk);
        client.destroy();
        return;
      }
      if (chunk.includes(commit) || chunk.includes(rollback)) carried = '';
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      carry(chunk);
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
    cutCommitOf(...markers) {
      armed = markers;
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
