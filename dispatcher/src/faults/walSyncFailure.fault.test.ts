import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../testing/waitFor';
import { postEvent, startDispatcherRig, type DispatcherRig } from '../testing/dispatcherRig';

// The disk fails a sync of SQLite's write-ahead log while events arrive: a real dispatcher process
// whose fdatasync(2) fails with EIO while a flag file exists (a shim preloaded into the process,
// built here with the C compiler the machine has). The events are refused (503, not acknowledged),
// but they are stored, and their deliveries were leased to the ingest's handoff: those leases are
// given back as soon as the sync's failure is known, so the deliveries go out within seconds, not
// when the leases end (65 s with the default 30 s request timeout).

const shimSource = `
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
int fdatasync(int fd) {
  static int (*real)(int);
  const char *flag = getenv("FAIL_FDATASYNC_FLAG");
  if (flag != NULL && access(flag, F_OK) == 0) { errno = EIO; return -1; }
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  return real(fd);
}
`;

let dir: string;
let flag: string;
let rig: DispatcherRig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spir-walsync-fault-'));
  flag = join(dir, 'fail-sync');
  writeFileSync(join(dir, 'failSync.c'), shimSource);
  execFileSync('cc', ['-shared', '-fPIC', '-o', join(dir, 'failSync.so'), join(dir, 'failSync.c'), '-ldl']);
  rig = await startDispatcherRig({
    LD_PRELOAD: join(dir, 'failSync.so'),
    FAIL_FDATASYNC_FLAG: flag,
    // The production default: a lease ends 65 s after it is taken.
    REQUEST_TIMEOUT_SECONDS: '30',
  });
  await rig.addTeam();
});

afterAll(async () => {
  await rig.close();
  rmSync(dir, { recursive: true, force: true });
});

const arrived = (ids: readonly string[]) => {
  const seen = rig.receiver.received.map((request) => String(request.headers['webhook-id']));
  return ids.every((id) => seen.includes(id)) ? seen : undefined;
};

it('sends the deliveries of events whose WAL sync failed within seconds, each once', async () => {
  expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody('warm'))).toBe(202);
  await waitFor('the first delivery', () => arrived(['warm']), 10_000);

  writeFileSync(flag, '');
  const ids = ['synced-not-0', 'synced-not-1', 'synced-not-2', 'synced-not-3'];
  const refusedAt = Date.now();
  const statuses = await Promise.all(ids.map((id) => postEvent(rig.dispatcher.internalUrl, rig.ingestBody(id))));
  expect(statuses).toEqual(ids.map(() => 503));
  rmSync(flag);

  await waitFor('the refused events delivered', () => arrived(ids), 5_000);
  console.log(`deliveries of events whose WAL sync failed arrived within ${Date.now() - refusedAt} ms`);

  // Spir's core sends them again: the events are stored, so the answers say duplicate and nothing
  // is sent a second time.
  for (const id of ids) {
    const again = await fetch(`${rig.dispatcher.internalUrl}/internal/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rig.env.INTERNAL_API_TOKEN}`, 'content-type': 'application/json' },
      body: rig.ingestBody(id),
    });
    expect([again.status, ((await again.json()) as { duplicate: boolean }).duplicate]).toEqual([202, true]);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const seen = rig.receiver.received.map((request) => String(request.headers['webhook-id']));
  for (const id of ids) expect(seen.filter((other) => other === id)).toHaveLength(1);
});
