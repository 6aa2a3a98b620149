import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port that nothing listens on right now (for a server started later, or never). */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
