import { chunkRows, chunkTargetMs, nextChunkRows } from './purgeInChunks';

// The SQLite purge's chunks are sized by what the last one took (the whole purge runs on both
// engines in storeContractRecords.test.ts and ops/retention.test.ts).
describe('nextChunkRows', () => {
  it('scales the rows towards the target time', () => {
    expect(nextChunkRows(400, chunkTargetMs * 2)).toBe(200);
    expect(nextChunkRows(400, chunkTargetMs)).toBe(400);
  });

  it('grows at most twofold after one fast chunk, and never past the bounds', () => {
    expect(nextChunkRows(200, 0)).toBe(400);
    expect(nextChunkRows(chunkRows.max, 1)).toBe(chunkRows.max);
    expect(nextChunkRows(chunkRows.min, chunkTargetMs * 100)).toBe(chunkRows.min);
  });
});
