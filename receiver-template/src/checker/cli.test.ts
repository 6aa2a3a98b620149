import { execFile } from 'node:child_process';
import { getRequestListener } from '@hono/node-server';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWebhookSecret } from '../contract';
import { createThrowawayCa } from '../contract/testing/throwawayCa';
import { handlers } from '../handlers';
import { MemoryIdempotencyStore } from '../idempotency';
import { createReceiverApp } from '../receiverApp';

// The compiled command (npm test builds it first), run as a customer runs it.
const cliJs = join(__dirname, '..', '..', 'dist', 'checker', 'cli.js');
const secret = generateWebhookSecret();
let dir: string;
let template: Server;
let noCheck: Server;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliJs, ...args],
      {
        env: {
          PATH: process.env.PATH,
          WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
          NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), output: stdout + stderr }),
    );
  });
}

const urlOf = (server: Server) => `https://receiver.test:${(server.address() as AddressInfo).port}/webhooks/spir`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'checker-cli-'));
  const ca = await createThrowawayCa();
  writeFileSync(join(dir, 'ca.pem'), ca.caCert);
  const tls = await ca.issue(['receiver.test']);
  const app = createReceiverApp({
    secrets: [secret],
    path: '/webhooks/spir',
    handlers,
    idempotency: new MemoryIdempotencyStore(),
    log: () => undefined,
  });
  template = createServer(tls, getRequestListener(app.fetch));
  noCheck = createServer(tls, (_req, res) => res.writeHead(200).end());
  for (const server of [template, noCheck]) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
});

afterAll(() => {
  template.close();
  noCheck.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run check', () => {
  it('exits 0 and prints PASS for every rule on the template, with the secret from WEBHOOK_SECRET, never printed', async () => {
    const { code, output } = await run([urlOf(template), '--timeout', '5'], { WEBHOOK_SECRET: secret });
    expect(output).toContain('9 of 9 rules passed');
    expect(output).not.toContain('FAIL');
    expect(output).not.toContain(secret.slice('whsec_'.length, 20));
    expect(output).toMatch(/how it treats a deviating event: .*HTTP 503/);
    expect(code).toBe(0);
  });

  it('still takes --secret', async () => {
    const { code, output } = await run([urlOf(template), '--secret', secret, '--timeout', '5']);
    expect(output).toContain('9 of 9 rules passed');
    expect(code).toBe(0);
  });

  it('exits 1 and names the rule an endpoint breaks', async () => {
    const { code, output } = await run([urlOf(noCheck), '--timeout', '5'], { WEBHOOK_SECRET: secret });
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL {2}4xx for an unsigned request/);
    expect(output).toContain('6 of 9 rules passed');
  });

  it('passes no rule that http://localhost:3000 breaks', async () => {
    const { code, output } = await run(['http://localhost:3000/webhooks/spir'], { WEBHOOK_SECRET: secret });
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL {2}https/);
    expect(output).toMatch(/FAIL {2}public host name/);
    expect(output).not.toContain('PASS');
    expect(output).not.toContain('-w receiver-template');
  });

  it('exits 2 naming WEBHOOK_SECRET when it is missing, and never echoes a malformed one', async () => {
    const missing = await run([urlOf(template)]);
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('WEBHOOK_SECRET is not set');
    expect(missing.output).toContain('usage: WEBHOOK_SECRET=whsec_... npm run check -- <https-url>');
    const malformed = await run([urlOf(template)], { WEBHOOK_SECRET: 'whsec_tooShortToBeOne' });
    expect(malformed.code).toBe(2);
    expect(malformed.output).not.toContain('tooShortToBeOne');
  });
});
