import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@spir-webhooks/shared-types';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { createSecretBox } from './secretBox';

const secretsKey = randomBytes(32).toString('base64');
let dispatcher: TestDispatcher;
let apiKey: string;

beforeAll(async () => {
  dispatcher = await startTestDispatcher({ SECRETS_KEY: secretsKey }, { lookup: async () => [] });
  apiKey = await dispatcher.createTeam('secrets');
});

afterAll(() => dispatcher.close());

const createWebhook = async (event: string) => {
  const created = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://hooks.example.com/${event}`, event },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
};

describe("a webhook's secret", () => {
  it('is shown at creation and by /secret, never by the webhook itself', async () => {
    const { id, secret } = await createWebhook('form.answered');
    const webhook = await dispatcher.call('GET', `/v1/webhooks/${id}`, { token: apiKey });
    const listed = await dispatcher.call('GET', '/v1/webhooks', { token: apiKey });
    expect(JSON.stringify([webhook.body, listed.body])).not.toContain('whsec_');
    const revealed = await dispatcher.call('GET', `/v1/webhooks/${id}/secret`, { token: apiKey });
    expect(revealed.body).toEqual({ secrets: [{ secret, expiresAt: null }] });
  });

  it('keeps signing alongside the new one for 24 h after a rotation, or ends at once when asked', async () => {
    const { id, secret: first } = await createWebhook('event.confirmed');
    const rotated = await dispatcher.call('POST', `/v1/webhooks/${id}/rotate-secret`, { token: apiKey });
    const both = await dispatcher.call('GET', `/v1/webhooks/${id}/secret`, { token: apiKey });
    expect(both.body.secrets.map((s: { secret: string }) => s.secret)).toEqual([rotated.body.secret, first]);
    expect(Date.parse(both.body.secrets[1].expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    const ended = await dispatcher.call('POST', `/v1/webhooks/${id}/rotate-secret`, {
      token: apiKey,
      body: { expireCurrentNow: true },
    });
    const onlyNew = await dispatcher.call('GET', `/v1/webhooks/${id}/secret`, { token: apiKey });
    expect(onlyNew.body).toEqual({ secrets: [{ secret: ended.body.secret, expiresAt: null }] });
    expect(ended.body).not.toHaveProperty('previousSecretExpiresAt');
  });

  it("drops the previous secret's expiry from the webhook once it has passed", async () => {
    let clock = Date.now();
    const clocked = await startTestDispatcher({}, { lookup: async () => [], now: () => clock });
    try {
      const key = await clocked.createTeam('expiry');
      const { id } = (
        await clocked.call('POST', '/v1/webhooks', {
          token: key,
          body: { url: 'https://hooks.example.com/expiry', event: 'form.answered' },
        })
      ).body;
      const rotated = await clocked.call('POST', `/v1/webhooks/${id}/rotate-secret`, { token: key });
      const expiresAt = rotated.body.previousSecretExpiresAt as string;
      expect(Date.parse(expiresAt)).toBe(clock + 24 * 3600_000);
      const shown = async () => [
        (await clocked.call('GET', `/v1/webhooks/${id}`, { token: key })).body,
        (await clocked.call('GET', '/v1/webhooks', { token: key })).body.data[0],
        (await clocked.call('GET', '/v1/webhooks?health=false', { token: key })).body.data[0],
      ];
      clock += 24 * 3600_000 - 1;
      for (const webhook of await shown()) expect(webhook.previousSecretExpiresAt).toBe(expiresAt);
      clock += 1;
      for (const webhook of await shown()) expect(webhook).not.toHaveProperty('previousSecretExpiresAt');
    } finally {
      await clocked.close();
    }
  });

  // The embedded engine's file, copied; a PostgreSQL store is checked by the test run on SQLite.
  const itOnSqlite = process.env.TEST_DATABASE_URL === undefined ? it : it.skip;
  itOnSqlite(
    'is stored sealed: a copy of the store without SECRETS_KEY holds no secret, and will not start',
    async () => {
      const { secret } = await createWebhook('event.canceled');
      const copy = mkdtempSync(join(tmpdir(), 'spir-copied-store-'));
      try {
        cpSync(dispatcher.dataDir, copy, { recursive: true });
        for (const file of readdirSync(copy).filter((name) => name.startsWith('dispatcher.db'))) {
          const bytes = readFileSync(join(copy, file));
          expect(bytes.includes(Buffer.from(secret))).toBe(false);
          expect(bytes.includes(Buffer.from(secret.slice('whsec_'.length)))).toBe(false);
        }
        const started = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
          execFile(
            process.execPath,
            [join(__dirname, '..', '..', 'dist', 'main.js')],
            {
              env: {
                PATH: process.env.PATH,
                PORT: '0',
                DATA_DIR: copy,
                DATABASE_URL: `sqlite:${join(copy, 'dispatcher.db')}`,
              },
              timeout: 20_000,
            },
            (error, _stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number), stderr }),
          ),
        );
        expect(started.code).toBe(2);
        expect(started.stderr).toContain('dispatcher: SECRETS_KEY: this store holds encrypted webhook secrets');
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    },
  );
});

describe('the secret box', () => {
  it('seals a secret stored before SECRETS_KEY was set and refuses another key', () => {
    const key = randomBytes(32);
    const box = createSecretBox(key);
    const sealed = box.reseal('whsec_plain');
    expect(sealed).toMatch(/^enc1:/);
    expect(box.open(sealed)).toBe('whsec_plain');
    expect(box.reseal(sealed)).toBe(sealed);
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow(/SECRETS_KEY does not open/);
    expect(() => createSecretBox(undefined).open(sealed)).toThrow(ConfigError);
    expect(createSecretBox(undefined).seal('whsec_plain')).toBe('whsec_plain');
  });
});
