import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { waitFor } from '../testing/waitFor';
import { postEvent, startDispatcherRig, type DispatcherRig } from '../testing/dispatcherRig';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';

// The store stops taking writes while the dispatcher runs: what it writes to is a small tmpfs that
// fills up. On SQLite that is the data folder (SQLITE_FULL): a live filesystem cannot be remounted
// read-only while SQLite holds the file open for writing, so a full disk is how a running store
// becomes unwritable here. On PostgreSQL it is the tablespace the dispatcher's database lives in
// (53100 disk_full when a table grows); the cluster's WAL stays on its own disk, as in production.
const engines: string[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(engines)('on %s', (engine) => {
  let mountPoint: string;
  let rig: DispatcherRig;
  let postgres: TestPostgres | undefined;
  let answerOk = false;

  beforeAll(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'spir-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
    const env = { MAX_RETRIES: '100', RETRY_INTERVAL_SECONDS: '0.5' };
    if (engine === 'postgres') {
      postgres = await startTestPostgres();
      const tablespace = join(mountPoint, 'tablespace');
      mkdirSync(tablespace);
      chmodSync(tablespace, 0o700);
      if (process.getuid?.() === 0) execFileSync('chown', ['postgres', tablespace]);
      const admin = new Client({ connectionString: postgres.url });
      await admin.connect();
      await admin.query(`CREATE TABLESPACE small_disk LOCATION '${tablespace}'`);
      await admin.query('CREATE DATABASE on_small_disk TABLESPACE small_disk');
      await admin.end();
      rig = await startDispatcherRig({ ...env, DATABASE_URL: postgres.url.replace(/\/postgres$/, '/on_small_disk') });
    } else {
      rig = await startDispatcherRig(env, join(mountPoint, 'data'));
    }
    rig.receiver.answer = () => (answerOk ? { status: 200 } : { status: 503 });
    await rig.addTeam();
  });

  afterAll(async () => {
    await rig.dispatcher.kill();
    await rig.receiver.close();
    postgres?.stop();
    execFileSync('umount', [mountPoint]);
    rmdirSync(mountPoint);
  });

  function fillDisk(path: string): void {
    const fd = openSync(path, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
  }

  it('answers 503 while the store cannot write, and delivers every event acknowledged before and after', async () => {
    const acknowledged: string[] = [];
    for (let i = 0; i < 50; i++) {
      expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody(`before-${i}`))).toBe(202);
      acknowledged.push(`before-${i}`);
    }

    const filler = join(mountPoint, 'filler');
    fillDisk(filler);
    const answers = new Map<number, number>();
    for (let i = 0; i < 300 && (answers.get(503) ?? 0) < 20; i++) {
      const status = await postEvent(rig.dispatcher.internalUrl, rig.ingestBody(`full-${i}`));
      answers.set(status ?? 0, (answers.get(status ?? 0) ?? 0) + 1);
      if (status === 202) acknowledged.push(`full-${i}`);
    }
    expect(answers.get(503)).toBeGreaterThanOrEqual(20);
    expect([...answers.keys()].every((status) => status === 202 || status === 503)).toBe(true);
    expect((await fetch(`${rig.dispatcher.url}/healthz`)).status).toBe(200);

    rmSync(filler);
    answerOk = true;
    for (let i = 0; i < 20; i++) {
      expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody(`after-${i}`))).toBe(202);
      acknowledged.push(`after-${i}`);
    }
    await waitFor(
      'every acknowledged event at the receiver',
      () => {
        const seen = new Set(
          rig.receiver.received
            .filter((r) => r.headers['webhook-id'] !== undefined)
            .map((r) => String(r.headers['webhook-id'])),
        );
        return acknowledged.every((id) => seen.has(id)) ? true : undefined;
      },
      60_000,
    );
    console.log(
      `store full on ${engine}: ${acknowledged.length} events acknowledged (${answers.get(202) ?? 0} of them while the disk was filling), ` +
        `${answers.get(503) ?? 0} refused with 503 while full; every acknowledged event delivered after space came back`,
    );
  });
});
