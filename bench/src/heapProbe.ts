import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

// Where a process's memory goes, thread by thread, for finding what RSS is made of:
//   BENCH_HEAP_LOG_DIR=/tmp/heap NODE_OPTIONS="--require ./bench/dist/heapProbe.js" \
//     npm run bench -- --throughput-only
// Every process and thread that loads it appends a JSON line every 500 ms to
// <dir>/heap-<pid>.jsonl: its V8 heap (committed and live, by space) and, from the main
// thread, the process's RSS split into shared (the binary) and anonymous memory.
// The benchmark never loads it on its own.

const dir = process.env.BENCH_HEAP_LOG_DIR;
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

function processMemory(): Record<string, number> {
  const rollup = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
  return {
    rssMb: mb(kb('Rss') * 1024),
    anonymousMb: mb(kb('Anonymous') * 1024),
    sharedMb: mb(kb('Shared_Clean') * 1024),
  };
}

if (dir !== undefined) {
  const file = join(dir, `heap-${process.pid}.jsonl`);
  setInterval(() => {
    const heap = getHeapStatistics();
    const line = {
      at: Date.now(),
      thread: isMainThread ? 'main' : threadId,
      heapCommittedMb: mb(heap.total_heap_size),
      heapUsedMb: mb(heap.used_heap_size),
      spacesMb: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_size)])),
      ...(isMainThread ? processMemory() : {}),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 500).unref();
}
