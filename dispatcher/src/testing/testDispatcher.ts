import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { cloneSample } from '@spir-webhooks/shared-types';
import { Client } from 'pg';
import { parseConfig } from '../config';
import { startDispatcher, type DispatcherOverrides, type RunningDispatcher } from '../dispatcher';

export interface TestDispatcher extends RunningDispatcher {
  dataDir: string;
  /** The internal listener (INTERNAL_PORT=0 here, as separate as in production), or the public one in single-port mode. */
  internalUrl: string;
  /** Calls the dispatcher's API, returning status and parsed JSON. */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; rawBody?: string; contentType?: string },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of every shape
  ): Promise<{ status: number; body: any }>;
  /** Creates a team and returns an API key for it. */
  createTeam(
    teamId: string,
    options?: { adminEmails?: string[]; maxUrlsPerEvent?: number; language?: 'ja' | 'en' },
  ): Promise<string>;
  /** Issues another full-scope API key for an existing team. */
  createTeamKey(teamId: string): Promise<string>;
  /**
   * A new team with one form.answered webhook at `url`, then `count` events for it (ids
   * `<teamId>-0`, `<teamId>-1`, …); returns the team's API key.
   */
  webhookWithEvents(teamId: string, url: string, count: number): Promise<string>;
}

/**
 * A fresh store for each test dispatcher: a SQLite file in its folder, or, when TEST_DATABASE_URL
 * names a PostgreSQL server (`npm run test:postgres`), a new database on it.
 */
export async function testDatabaseUrl(dataDir: string): Promise<string> {
  const server = process.env.TEST_DATABASE_URL;
  if (server === undefined) return `sqlite:${join(dataDir, 'dispatcher.db')}`;
  const name = `test_${randomUUID().replaceAll('-', '')}`;
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return server.replace(/\/[^/]*$/, `/${name}`);
}

/**
 * A dispatcher in this process on a real SQLite file in a fresh folder, listening on a free
 * loopback port. `env` takes the same variables as production; given DATA_DIR and DATABASE_URL,
 * it opens that store (a restart) and leaves the folder in place when it closes.
 */
export async function startTestDispatcher(
  env: Record<string, string>,
  overrides: DispatcherOverrides = {},
): Promise<TestDispatcher> {
  const ownFolder = env.DATA_DIR === undefined;
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'spir-dispatcher-'));
  const config = parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: env.DATABASE_URL ?? (await testDatabaseUrl(dataDir)),
    INTERNAL_API_TOKEN: 'internal-token-for-tests-0123456789',
    INTERNAL_PORT: '0',
    ...env,
  });
  const running = await startDispatcher(config, { logger: pino({ level: 'silent' }), ...overrides });
  const call: TestDispatcher['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? running.internalApiToken}` };
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      body = options.rawBody ?? JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const internal = path.startsWith('/internal/') || path === '/metrics';
    const base = internal ? (running.internalUrl ?? running.url) : running.url;
    const response = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const testDispatcher: TestDispatcher = {
    ...running,
    internalUrl: running.internalUrl ?? running.url,
    dataDir,
    call,
    async createTeam(teamId, options = {}) {
      const team = await call('PUT', `/internal/v1/teams/${teamId}`, {
        body: {
          name: `Team ${teamId}`,
          adminEmails: options.adminEmails ?? [`admin@${teamId}.example.com`],
          maxUrlsPerEvent: options.maxUrlsPerEvent ?? 1,
          ...(options.language === undefined ? {} : { language: options.language }),
        },
      });
      if (team.status !== 200) throw new Error(`creating team ${teamId}: ${JSON.stringify(team.body)}`);
      const key = await call('POST', `/internal/v1/teams/${teamId}/api-keys`);
      return key.body.apiKey as string;
    },
    async createTeamKey(teamId) {
      const key = await call('POST', `/internal/v1/teams/${teamId}/api-keys`);
      if (key.status !== 201) throw new Error(`issuing a key for ${teamId}: ${JSON.stringify(key.body)}`);
      return key.body.apiKey as string;
    },
    async webhookWithEvents(teamId, url, count) {
      const apiKey = await testDispatcher.createTeam(teamId);
      await call('POST', '/v1/webhooks', { token: apiKey, body: { url, event: 'form.answered' } });
      for (let i = 0; i < count; i++) {
        const event = { ...cloneSample('form.answered'), webhookEventId: `${teamId}-${i}` };
        await call('POST', '/internal/v1/events', { body: { teamId, urlKind: 'template', event } });
      }
      return apiKey;
    },
    async close() {
      await running.close();
      if (ownFolder) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return testDispatcher;
}
