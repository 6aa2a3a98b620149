import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError } from '../storeTypes';
import { WalSync } from './walSync';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spir-walsync-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('WalSync', () => {
  it('answers every caller, those that came during a sync with the next one', async () => {
    const wal = join(dir, 'd.db-wal');
    writeFileSync(wal, 'frames');
    const walSync = new WalSync(wal);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => walSync.sync().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    await walSync.sync();
    await walSync.close();
  });

  it('refuses with StoreUnavailableError, naming the failure, when the log cannot be synced', async () => {
    const walSync = new WalSync(join(dir, 'missing-wal'));
    const refusal = walSync.sync();
    await expect(refusal).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(refusal).rejects.toThrow(/syncing the SQLite write-ahead log failed \(ENOENT/);
    await walSync.close();
  });

  it('has nothing to sync for an in-memory database', async () => {
    await expect(new WalSync(undefined).sync()).resolves.toBeUndefined();
  });
});
