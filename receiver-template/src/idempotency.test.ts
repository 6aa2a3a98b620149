import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idempotencyWindowMs, MemoryIdempotencyStore, SqliteIdempotencyStore } from './idempotency';

describe('MemoryIdempotencyStore', () => {
  it('remembers ids for the window and forgets them after it', () => {
    let now = 0;
    const store = new MemoryIdempotencyStore(() => now);
    store.remember('a');
    now = idempotencyWindowMs - 1;
    expect(store.has('a')).toBe(true);
    now = idempotencyWindowMs;
    expect(store.has('a')).toBe(false);
  });

  it('drops the oldest id past its bound', () => {
    const store = new MemoryIdempotencyStore(Date.now, 2);
    store.remember('a');
    store.remember('b');
    store.remember('c');
    expect([store.has('a'), store.has('b'), store.has('c')]).toEqual([false, true, true]);
  });
});

describe('SqliteIdempotencyStore', () => {
  it('keeps ids across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'receiver-idem-'));
    try {
      const first = new SqliteIdempotencyStore(join(dir, 'ids.db'));
      first.remember('evt-1');
      first.close();
      const second = new SqliteIdempotencyStore(join(dir, 'ids.db'));
      expect(second.has('evt-1')).toBe(true);
      expect(second.has('evt-2')).toBe(false);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
