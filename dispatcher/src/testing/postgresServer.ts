import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './freePort';

/** A throwaway PostgreSQL cluster a test run starts on a free loopback port, and stops. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** A new, empty database on the cluster; its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server as an outage would, keeping its data; `resume` starts it again on the same port. */
  pause(): void;
  resume(): void;
  stop(): void;
}

/** Where Debian puts the server binaries; undefined when none is installed. */
function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const bin = versions.map((version) => join(root, version, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  return bin;
}

const asPostgres = (command: string, args: string[]) => {
  // initdb refuses to run as root; the cluster belongs to the postgres user when we are root.
  const root = process.getuid?.() === 0;
  const result = root
    ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
    : spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.stdout}`);
};

/**
 * Whether PostgreSQL tests can run here. Without server binaries (or TEST_DATABASE_URL) they are
 * skipped with one line saying how to enable them, except in CI, where they are mandatory.
 */
export function postgresAvailable(): boolean {
  if (process.env.TEST_DATABASE_URL !== undefined || postgresBinaries() !== undefined) return true;
  if (process.env.CI !== undefined) throw new Error('CI must have PostgreSQL (apt-get install postgresql)');
  console.warn('PostgreSQL tests skipped: apt-get install postgresql, or set TEST_DATABASE_URL.');
  return false;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinaries();
  if (bin === undefined)
    throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  const dir = mkdtempSync(join(tmpdir(), 'spir-pg-'));
  chmodSync(dir, 0o777);
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = () =>
    asPostgres(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      'start',
    ]);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    async createDatabase(name) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    pause() {
      asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    resume: start,
    stop() {
      try {
        // Already stopped (paused, say) is as good as stopped.
        if (existsSync(join(data, 'postmaster.pid')))
          asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
