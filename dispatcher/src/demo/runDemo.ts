import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { Agent, request } from 'undici';
import { cloneSample, generateWebhookSecret, signWebhook, webhookEventNames } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { freePort, spawnDispatcher, waitFor } from '../testing';

// `npm run demo`: the dispatcher on its embedded defaults and the receiver template over real
// HTTPS, one event of each type, a forged request the receiver refuses, an endpoint that fails
// twice and then recovers, and one that always fails, up to the failure email in the outbox.
// Every step is printed as it happens; the temporary folder (it holds a CA key) is removed.

const started = Date.now();
const step = (text: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);
const receiverMain = join(__dirname, '..', '..', '..', 'receiver-template', 'dist', 'main.js');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spir-demo-'));
  const dataDir = join(dir, 'dispatcher-data');
  mkdirSync(dataDir);
  step(`Working in ${dir}`);

  const ca = await createThrowawayCa('Spir demo CA');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.caCert);
  const tls = await ca.issue(['receiver.demo.test', 'failing.demo.test']);
  writeFileSync(join(dir, 'receiver-cert.pem'), tls.cert);
  writeFileSync(join(dir, 'receiver-key.pem'), tls.key);
  step('Generated a throwaway CA and a certificate for receiver.demo.test and failing.demo.test');

  const [dispatcherPort, receiverPort] = [await freePort(), await freePort()];
  // /flaky answers 503 twice, then 200; every other path always answers 503.
  let flakyCalls = 0;
  const failing = createServer(tls, (req, res) => {
    if (req.url === '/flaky' && ++flakyCalls > 2) res.writeHead(200).end('ok');
    else res.writeHead(503).end('down for maintenance');
  });
  failing.listen(0, '127.0.0.1');
  await once(failing, 'listening');
  const failingPort = (failing.address() as AddressInfo).port;

  const children: ChildProcess[] = [];
  try {
    const dispatcher = await spawnDispatcher(
      {
        DATA_DIR: dataDir,
        DATABASE_URL: `sqlite:${join(dataDir, 'dispatcher.db')}`,
        WEBHOOK_RESOLVE: 'receiver.demo.test:127.0.0.1,failing.demo.test:127.0.0.1',
        NODE_EXTRA_CA_CERTS: caFile,
        RETRY_INTERVAL_SECONDS: '1',
      },
      dispatcherPort,
    );
    children.push(dispatcher.child);
    const token = readFileSync(join(dataDir, 'internal-api-token'), 'utf8').trim();
    step(
      `Dispatcher up on ${dispatcher.url} (SQLite in ${dataDir}, no SMTP: emails go to the outbox folder; retries 1 s apart for the demo instead of 10 s)`,
    );

    const internal = (method: string, path: string, body?: unknown) => dispatcher.call(method, path, body, token);
    /** Prints each attempt of a delivery of the second team as it is made, until `done`. */
    const followDelivery = (id: string, done: (status: string) => boolean) => {
      let seen = 0;
      return waitFor(
        `delivery ${id} to finish`,
        async () => {
          const delivery = await dispatcher.call('GET', `/v1/deliveries/${id}`, undefined, failingKey);
          for (const attempt of delivery.attempts.slice(seen))
            step(
              `  attempt ${attempt.attempt}: HTTP ${attempt.response?.status ?? attempt.error?.code} in ${attempt.durationMs} ms`,
            );
          seen = delivery.attempts.length;
          return done(delivery.status) ? delivery : undefined;
        },
        60_000,
      );
    };
    await internal('PUT', '/internal/v1/teams/demo', { name: 'Demo team', adminEmails: ['admin@demo.example.com'] });
    await internal('PUT', '/internal/v1/teams/demo-failing', {
      name: 'Demo team with a broken endpoint',
      adminEmails: ['owner@broken.example.com', 'ops@broken.example.com'],
    });
    const { apiKey } = await internal('POST', '/internal/v1/teams/demo/api-keys');
    const { apiKey: failingKey } = await internal('POST', '/internal/v1/teams/demo-failing/api-keys');
    step('Created two teams and an API key for each (internal API)');

    const receiverUrl = `https://receiver.demo.test:${receiverPort}/webhooks/spir`;
    const secrets: string[] = [];
    for (const event of webhookEventNames) {
      const webhook = await dispatcher.call('POST', '/v1/webhooks', { url: receiverUrl, event }, apiKey);
      secrets.push(webhook.secret);
      step(`Registered ${receiverUrl} for ${event} (webhook ${webhook.id})`);
    }
    const broken = await dispatcher.call(
      'POST',
      '/v1/webhooks',
      { url: `https://failing.demo.test:${failingPort}/hook`, event: 'event.confirmed' },
      failingKey,
    );
    step(`Registered ${broken.url} for event.confirmed on the second team: it always answers 503`);
    const flaky = await dispatcher.call(
      'POST',
      '/v1/webhooks',
      { url: `https://failing.demo.test:${failingPort}/flaky`, event: 'event.canceled' },
      failingKey,
    );
    step(`Registered ${flaky.url} for event.canceled on the second team: it answers 503 twice, then 200`);

    const receiver = spawn(process.execPath, [receiverMain], {
      env: {
        PATH: process.env.PATH,
        PORT: String(receiverPort),
        HOST: '127.0.0.1',
        WEBHOOK_SECRET: secrets.join(' '),
        TLS_CERT_FILE: join(dir, 'receiver-cert.pem'),
        TLS_KEY_FILE: join(dir, 'receiver-key.pem'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(receiver);
    const handled: string[] = [];
    let listening = false;
    receiver.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        step(`receiver │ ${line}`);
        const fields = JSON.parse(line) as { msg?: string; webhookEventId?: string };
        if (fields.msg?.startsWith('receiver listening') === true) listening = true;
        if (fields.msg === 'handled' && fields.webhookEventId !== undefined) handled.push(fields.webhookEventId);
      }
    });
    await waitFor('the receiver to listen', () => {
      if (receiver.exitCode !== null) throw new Error(`the receiver exited with ${receiver.exitCode}`);
      return listening ? true : undefined;
    });

    const ids: string[] = [];
    for (const name of webhookEventNames) {
      const event = { ...cloneSample(name), webhookEventId: `demo-${name}-${Date.now()}` };
      const answer = await internal('POST', '/internal/v1/events', { teamId: 'demo', urlKind: 'template', event });
      ids.push(event.webhookEventId);
      step(
        `Sent ${name} ${event.webhookEventId}: dispatcher stored it (202), deliveries ${answer.deliveries.join(', ')}`,
      );
    }
    await waitFor(
      'the receiver to handle all three events',
      () => (ids.every((id) => handled.includes(id)) ? true : undefined),
      30_000,
    );
    step('The receiver verified and handled all three events');

    const forged = await postSignedWith(generateWebhookSecret(), receiverUrl, receiverPort, ca.caCert);
    step(`Sent the receiver a request signed with another secret: it answered ${forged} (forged requests are refused)`);

    const canceled = { ...cloneSample('event.canceled'), webhookEventId: `demo-retry-${Date.now()}` };
    const retried = await internal('POST', '/internal/v1/events', {
      teamId: 'demo-failing',
      urlKind: 'template',
      event: canceled,
    });
    const recovered = await followDelivery(retried.deliveries[0], (status) => status === 'succeeded');
    step(`Delivery ${recovered.id} succeeded on attempt ${recovered.attempts.length}, after the endpoint recovered`);

    const failingEvent = { ...cloneSample('event.confirmed'), webhookEventId: `demo-failing-${Date.now()}` };
    const { deliveries } = await internal('POST', '/internal/v1/events', {
      teamId: 'demo-failing',
      urlKind: 'template',
      event: failingEvent,
    });
    step(`Sent event.confirmed ${failingEvent.webhookEventId} to the broken endpoint (delivery ${deliveries[0]})`);
    const failed = await followDelivery(deliveries[0], (status) => status === 'failed');
    step(`Delivery ${failed.id} failed after ${failed.attempts.length} attempts`);

    const outbox = join(dataDir, 'outbox');
    const file = await waitFor(
      'the failure email',
      () => {
        try {
          return readdirSync(outbox).find((name) => name.endsWith('.eml'));
        } catch {
          return undefined;
        }
      },
      30_000,
    );
    const mail = await simpleParser(readFileSync(join(outbox, file)));
    const to = (Array.isArray(mail.to) ? mail.to : [mail.to]).map((address) => address?.text).join(', ');
    step(`Failure email written to ${join(outbox, file)}`);
    step(`  To: ${to}`);
    step(`  Subject: ${mail.subject}`);
    step(`  Attachment: ${mail.attachments.map((a) => `${a.filename} (${a.size} bytes)`).join(', ')}`);
    step('Demo complete.');
  } finally {
    for (const child of children) child.kill('SIGTERM');
    failing.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** POSTs a sample to the receiver, signed with `secret`; returns the HTTP status it answered. */
async function postSignedWith(secret: string, url: string, port: number, caCert: string): Promise<number> {
  const body = JSON.stringify({ ...cloneSample('form.answered'), webhookEventId: `demo-forged-${Date.now()}` });
  const headers = signWebhook({ webhookEventId: 'demo-forged', body, timestamp: new Date(), secrets: [secret] });
  const agent = new Agent({ connect: { ca: caCert, servername: new URL(url).hostname } });
  try {
    const response = await request(`https://127.0.0.1:${port}${new URL(url).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      dispatcher: agent,
    });
    await response.body.dump();
    return response.statusCode;
  } finally {
    await agent.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('demo failed:', error);
    process.exit(1);
  },
);
