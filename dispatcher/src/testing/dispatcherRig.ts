import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { freePort } from './freePort';
import { spawnDispatcher, type DispatcherProcess } from './dispatcherProcess';
import { startHttpsReceiver, type HttpsReceiver } from './httpsReceiver';

export const internalToken = 'internal-token-for-process-tests';

/**
 * A dispatcher child process on a real SQLite file and a real HTTPS receiver at receiver.test,
 * for tests that kill the dispatcher or break what is under it.
 */
export interface DispatcherRig {
  dataDir: string;
  receiver: HttpsReceiver;
  env: Record<string, string>;
  port: number;
  dispatcher: DispatcherProcess;
  start(): Promise<DispatcherProcess>;
  /** Creates team t1 with a webhook for form.answered at the receiver; returns its API key. */
  addTeam(): Promise<string>;
  ingestBody(id: string): string;
  close(): Promise<void>;
}

export async function startDispatcherRig(
  extraEnv: Record<string, string> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'spir-rig-')),
): Promise<DispatcherRig> {
  const ca = await createThrowawayCa();
  const caFile = join(tmpdir(), `spir-rig-ca-${process.pid}-${Date.now()}.pem`);
  writeFileSync(caFile, ca.caCert);
  const receiver = await startHttpsReceiver(ca, ['receiver.test']);
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite:${join(dataDir, 'dispatcher.db')}`,
    INTERNAL_API_TOKEN: internalToken,
    WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
    NODE_EXTRA_CA_CERTS: caFile,
    REQUEST_TIMEOUT_SECONDS: '2',
    RETRY_INTERVAL_SECONDS: '0.2',
    ...extraEnv,
  };
  const rig: DispatcherRig = {
    dataDir,
    receiver,
    env,
    port,
    dispatcher: undefined as unknown as DispatcherProcess,
    async start() {
      rig.dispatcher = await spawnDispatcher(env, port);
      return rig.dispatcher;
    },
    async addTeam() {
      await rig.dispatcher.call('PUT', '/internal/v1/teams/t1', { name: 'T1', adminEmails: ['admin@t1.example.com'] });
      const { apiKey } = await rig.dispatcher.call('POST', '/internal/v1/teams/t1/api-keys');
      const webhook = await rig.dispatcher.call(
        'POST',
        '/v1/webhooks',
        { url: `https://receiver.test:${receiver.port}/hook`, event: 'form.answered' },
        apiKey,
      );
      if (typeof webhook.secret !== 'string')
        throw new Error(`registering the webhook failed: ${JSON.stringify(webhook)}`);
      return apiKey as string;
    },
    ingestBody: (id) =>
      JSON.stringify({
        teamId: 't1',
        urlKind: 'template',
        event: { ...cloneSample('form.answered'), webhookEventId: id },
      }),
    async close() {
      await rig.dispatcher?.kill();
      await receiver.close();
      rmSync(caFile, { force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await rig.start();
  return rig;
}

/** POSTs one ingest body; `undefined` when the dispatcher could not be reached at all. */
export async function postEvent(
  url: string,
  body: string,
  contentType = 'application/json',
): Promise<number | undefined> {
  try {
    const response = await fetch(`${url}/internal/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${internalToken}`, 'content-type': contentType },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}
