import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idempotencyWindowMs, MemoryIdempotencyStore } from './idempotency';
import { SqliteIdempotencyStore } from './sqliteIdempotency';

describe('MemoryIdempotencyStore', () => {
  it('remembers ids for the window and forgets them after it', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore(() => now);
    await store.remember('a');
    now = idempotencyWindowMs - 1;
    expect(await store.has('a')).toBe(true);
    now = idempotencyWindowMs;
    expect(await store.has('a')).toBe(false);
  });

  it('drops the oldest id past its bound', async () => {
    const store = new MemoryIdempotencyStore(Date.now, 2);
    await store.remember('a');
    await store.remember('b');
    await store.remember('c');
    expect([await store.has('a'), await store.has('b'), await store.has('c')]).toEqual([false, true, true]);
  });
});

describe('SqliteIdempotencyStore', () => {
  it('keeps ids across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'receiver-idem-'));
    try {
      const first = new SqliteIdempotencyStore(join(dir, 'ids.db'));
      await first.remember('evt-1');
      await first.close();
      const second = new SqliteIdempotencyStore(join(dir, 'ids.db'));
      expect(await second.has('evt-1')).toBe(true);
      expect(await second.has('evt-2')).toBe(false);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
