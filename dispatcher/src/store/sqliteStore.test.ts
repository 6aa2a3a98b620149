import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqliteStore';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spir-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore', () => {
  it('refuses a second opener of the same file, naming it', async () => {
    const path = join(dir, 'd.db');
    const first = new SqliteStore(path);
    expect(() => new SqliteStore(path)).toThrow(`another process holds ${path}`);
    await first.close();
    const again = new SqliteStore(path);
    await again.ping();
    await again.close();
  }, 15_000);

  it('takes back on opening the leases a killed process left behind', async () => {
    const path = join(dir, 'd.db');
    const store = new SqliteStore(path);
    await store.upsertTeam({ teamId: 't', name: 'T', adminEmails: ['a@example.com'], maxUrlsPerEvent: 1, now: 1 });
    await store.createWebhook({ id: 'wh_1', teamId: 't', url: 'https://a.example.com/', eventName: 'form.answered', secret: 'whsec_x', createdAt: 1 });
    await store.recordEvent({ teamId: 't', webhookEventId: 'e1', eventName: 'form.answered', urlKind: 'template', body: '{}', now: 1 });
    const claim = { now: 2, leaseMs: 3600_000, limit: 10, perWebhookLimit: 10, inFlightByWebhook: new Map() };
    expect(await store.claimDueDeliveries({ ...claim, workerId: 'dead' })).toHaveLength(1);
    expect(await store.claimDueDeliveries({ ...claim, workerId: 'other' })).toHaveLength(0);
    await store.close();

    const reopened = new SqliteStore(path);
    expect(await reopened.claimDueDeliveries({ ...claim, workerId: 'new' })).toHaveLength(1);
    await reopened.close();
  });

  it('migrates a new file to the latest schema version and leaves it there on reopening', async () => {
    const path = join(dir, 'd.db');
    await new SqliteStore(path).close();
    const again = new SqliteStore(path);
    expect(await again.queueDepth(0)).toEqual({ due: 0, inFlight: 0 });
    await again.close();
  });
});
