import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDispatcher } from './testing/dispatcherProcess';
import { freePort } from './testing/freePort';

// The compiled processes (`npm test` builds them first), started with a configuration mistake:
// each must end at once with exit code 2 and sentences naming the variable, never a stack trace.
const dataDir = mkdtempSync(join(tmpdir(), 'spir-startup-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function start(script: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script],
      { env: { PATH: process.env.PATH, PORT: '0', INTERNAL_PORT: '0', DATA_DIR: dataDir, ...env }, timeout: 20_000 },
      (error, _stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
    );
  });
}

const dispatcherMain = join(__dirname, '..', 'dist', 'main.js');
const receiverMain = join(__dirname, '..', '..', 'receiver-template', 'dist', 'main.js');

describe('a configuration mistake', () => {
  it.each([
    ['a folder that cannot be created', { DATABASE_URL: 'sqlite:/proc/missing/x.db' }, 'DATABASE_URL'],
    ['a file that cannot be opened', { DATABASE_URL: 'sqlite:/proc/x.db' }, 'DATABASE_URL: cannot open'],
    ['no file at all', { DATABASE_URL: 'sqlite:' }, 'DATABASE_URL=sqlite: names no file'],
    ['an address that is no IP', { HOST: '999.1.1.1' }, 'HOST must be an IP address'],
    ['an address of another machine', { HOST: '192.0.2.1' }, 'HOST: 192.0.2.1 is not an address of this machine'],
    ['a data folder that cannot be created', { DATA_DIR: '/proc/nope' }, 'DATA_DIR: cannot create the folder'],
    [
      'a short internal token',
      { INTERNAL_API_TOKEN: 'x'.repeat(31) },
      'INTERNAL_API_TOKEN must be at least 32 characters',
    ],
    [
      "the compose file's old placeholder",
      { INTERNAL_API_TOKEN: 'change-me-to-a-long-random-token' },
      'INTERNAL_API_TOKEN is a placeholder',
    ],
    [
      'a token of repeated blocks',
      { INTERNAL_API_TOKEN: 'change_me_change_me_change_me_change_me' },
      'INTERNAL_API_TOKEN is a placeholder or typed, not random',
    ],
  ])('ends the dispatcher with one sentence and exit code 2: %s', async (_case, env, said) => {
    const { code, stderr } = await start(dispatcherMain, {
      DATABASE_URL: `sqlite:${join(dataDir, 'd.db')}`,
      ...env,
    });
    expect(code).toBe(2);
    expect(stderr).toContain(`dispatcher: ${said}`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('ends a second dispatcher on the same data folder naming the first, how to stop it, then the alternative', async () => {
    // As `npm start` twice: the same data folder and store, each dispatcher on its own ports.
    const folder = mkdtempSync(join(tmpdir(), 'spir-two-'));
    const env = { DATA_DIR: join(folder, 'data'), DATABASE_URL: `sqlite:${join(folder, 'data', 'dispatcher.db')}` };
    const first = await spawnDispatcher(env, await freePort());
    try {
      const { code, stderr } = await start(dispatcherMain, env);
      const pid = first.child.pid!;
      const file = join(folder, 'data', 'dispatcher.db');
      expect(code).toBe(2);
      expect(stderr.split('\n').filter((line) => line !== '')).toEqual([
        `dispatcher: DATABASE_URL: another dispatcher is running on ${file}: process ${pid}, recorded in ${file}.pid; the SQLite store serves one dispatcher at a time.`,
        `dispatcher: Stop it first (Ctrl-C in its terminal, or kill ${pid}: it finishes the attempts in flight and exits), then start this one again.`,
        expect.stringMatching(
          /^dispatcher: To run a second dispatcher beside it on purpose, give this one its own data folder/,
        ),
      ]);
    } finally {
      await first.stop();
    }
    expect(existsSync(join(folder, 'data', 'dispatcher.db.pid'))).toBe(false);
    rmSync(folder, { recursive: true, force: true });
  });

  it('ends the receiver with one sentence and exit code 2 when a TLS file is missing', async () => {
    const { code, stderr } = await start(receiverMain, {
      WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAAAAAAAAAAA=',
      TLS_CERT_FILE: join(dataDir, 'missing-cert.pem'),
      TLS_KEY_FILE: join(dataDir, 'missing-key.pem'),
    });
    expect(code).toBe(2);
    expect(stderr).toContain('receiver: TLS_CERT_FILE: cannot read');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
