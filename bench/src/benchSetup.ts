import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { samples } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import type { DispatcherProcess } from '@spir-webhooks/dispatcher/testing';
import type { BenchReceiver } from './benchProcesses';
import { epochNow, ingestEvents } from './loadGenerator';

/** What the benches share: certificates, teams, events and waiting for their deliveries. */

/**
 * A throwaway CA and one wildcard certificate for every bench host, written to `dir`. One name, as
 * an endpoint's own certificate has a few: a certificate naming all 401 hosts cost the dispatcher
 * about 100 KB more per connection (OpenSSL keeps each peer's parsed certificate), 206 KB against
 * 102 KB over 400 hung connections.
 */
export async function writeBenchCertificates(dir: string) {
  const ca = await createThrowawayCa('Spir bench CA');
  const tls = await ca.issue(['*.bench.test']);
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  writeFileSync(files.ca, ca.caCert);
  writeFileSync(files.cert, tls.cert);
  writeFileSync(files.key, tls.key);
  return { caCert: ca.caCert, files };
}

/**
 * A benched dispatcher's environment: as in production (info logging) but for its own data folder,
 * every bench host pinned to loopback and the bench's CA trusted.
 */
export function benchDispatcherEnv(options: {
  dataDir: string;
  databaseUrl: string;
  token: string;
  hosts: readonly string[];
  caFile: string;
}): Record<string, string> {
  return {
    DATA_DIR: options.dataDir,
    DATABASE_URL: options.databaseUrl,
    INTERNAL_API_TOKEN: options.token,
    LOG_LEVEL: 'info',
    WEBHOOK_RESOLVE: options.hosts.map((host) => `${host}:127.0.0.1`).join(','),
    NODE_EXTRA_CA_CERTS: options.caFile,
  };
}

export const benchEventBody = (teamId: string, id: string) =>
  JSON.stringify({ teamId, urlKind: 'template', event: { ...samples['form.answered'], webhookEventId: id } });

/** A team with an API key and one form.answered webhook at `url`. */
export async function addBenchTeam(dispatcher: DispatcherProcess, teamId: string, url: string): Promise<void> {
  await dispatcher.call('PUT', `/internal/v1/teams/${teamId}`, {
    name: teamId,
    adminEmails: [`ops@${teamId}.example.com`],
  });
  const { apiKey } = await dispatcher.call('POST', `/internal/v1/teams/${teamId}/api-keys`);
  const webhook = await dispatcher.call('POST', '/v1/webhooks', { url, event: 'form.answered' }, apiKey);
  if (webhook.id === undefined) throw new Error(`registering ${url}: ${JSON.stringify(webhook)}`);
}

/** Resolves once the receiver has had `count` distinct webhook-ids. */
export async function waitForDelivered(target: BenchReceiver, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await target.count()).unique < count) {
    if (Date.now() > deadline)
      throw new Error(`only ${(await target.count()).unique} of ${count} delivered within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * One slice of a comparison: `bodies` ingested from 64 loops into the dispatcher at `url`, then
 * waited for at the receiver. Returns the milliseconds from the first ingest to the last arrival.
 */
export async function deliverSlice(
  url: string,
  token: string,
  receiver: BenchReceiver,
  bodies: { id: string; body: string }[],
  timeoutMs = 120_000,
): Promise<number> {
  await receiver.reset();
  const started = epochNow();
  await ingestEvents(url, token, bodies, 64);
  await waitForDelivered(receiver, bodies.length, timeoutMs);
  let lastArrival = 0;
  for (const at of (await receiver.arrivals()).values()) lastArrival = Math.max(lastArrival, at);
  return lastArrival - started;
}
