import type { Socket } from 'node:net';

/** DELIVERY_CONNECTIONS' default, split evenly over the sending threads. */
export const defaultDeliveryConnections = 1_024;

export interface TrackedConnection {
  /** True while no request is in flight or queued on it. */
  isIdle(): boolean;
  close(): void;
}

/** A new connection waited longer than its connect limit for one of DELIVERY_CONNECTIONS to close. */
class ConnectionCapError extends Error {
  readonly code = 'connection_limit';

  constructor(cap: number, waitedMs: number) {
    super(
      `the dispatcher's ${cap} delivery connections stayed in use for ${waitedMs / 1000} s; the attempt is retried (DELIVERY_CONNECTIONS raises the cap)`,
    );
    this.name = 'ConnectionCapError';
  }
}

/**
 * The most connections a sending thread holds open at once, to every origin together: a new one
 * waits (at most `waitMs`) until another closes. Counted from before the address check to the
 * socket's close, so a connection being resolved or handshaken holds its place too. While one
 * waits, the connection idle longest (no request in flight) is closed for it: idle keep-alive
 * connections to origins that are done never keep another origin waiting.
 */
export class ConnectionCap {
  private open = 0;
  private readonly waiting: { admit: () => void }[] = [];
  /** Open connections, oldest first. */
  private readonly connected = new Map<Socket, TrackedConnection>();

  constructor(
    readonly cap: number,
    private readonly waitMs: number,
  ) {}

  get openNow(): number {
    return this.open;
  }

  /** Resolves with the place's release once one is free; rejects after `waitMs`. */
  take(): Promise<() => void> {
    if (this.open < this.cap) return Promise.resolve(this.place());
    return new Promise((resolve, reject) => {
      const entry = {
        admit: () => {
          clearTimeout(timer);
          resolve(this.place());
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        reject(new ConnectionCapError(this.cap, this.waitMs));
      }, this.waitMs);
      this.waiting.push(entry);
      this.closeAnIdleOne();
    });
  }

  /** A connection that may be closed for a waiting one whenever it carries nothing. */
  track(socket: Socket, connection: TrackedConnection): void {
    if (socket.destroyed) return;
    this.connected.set(socket, connection);
    socket.once('close', () => this.connected.delete(socket));
  }

  private closeAnIdleOne(): void {
    for (const [socket, connection] of this.connected) {
      if (!connection.isIdle()) continue;
      this.connected.delete(socket);
      connection.close();
      return;
    }
  }

  /** The place is given back when the socket closes (or at once if it never opened). */
  holdUntilClosed(socket: Socket | null, release: () => void): void {
    if (socket === null || socket.destroyed) release();
    else socket.once('close', release);
  }

  private place(): () => void {
    this.open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      this.waiting.shift()?.admit();
    };
  }
}
