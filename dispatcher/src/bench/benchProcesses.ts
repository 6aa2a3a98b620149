import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchReceiver {
  port: number;
  /** Unique webhook-ids received, and requests in all. */
  count(): Promise<{ unique: number; requests: number }>;
  /** First arrival (epoch ms) of each webhook-id. */
  arrivals(): Promise<Map<string, number>>;
  reset(): Promise<void>;
  stop(): void;
}

// Receivers die with the benchmark, even when it fails half-way.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function ask<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', listener);
      resolve(message as T);
    };
    child.on('message', listener);
    child.send({ type });
  });
}

/** The receiver in a separate process, so that its work does not share the benchmark's CPU time. */
export async function startBenchReceiver(certFile: string, keyFile: string, port = 0): Promise<BenchReceiver> {
  const child = fork(join(__dirname, 'benchReceiver.js'), [], {
    env: { PATH: process.env.PATH, CERT_FILE: certFile, KEY_FILE: keyFile, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const { port: listening } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench receiver exited with ${code}`)));
  });
  return {
    port: listening,
    count: () => ask(child, 'count'),
    arrivals: async () => new Map((await ask<{ arrivals: [string, number][] }>(child, 'arrivals')).arrivals),
    reset: async () => {
      await ask(child, 'reset');
    },
    stop: () => child.kill('SIGKILL'),
  };
}

/** Samples a process's resident memory every 200 ms; `peakMb()` is the highest seen. */
export function sampleRss(pid: number): { peakMb(): number; stop(): void } {
  let peakKb = 0;
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match !== null) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // The process is gone: the peak so far stands.
    }
  };
  read();
  const timer = setInterval(read, 200);
  return {
    peakMb: () => {
      read();
      return Math.round(peakKb / 1024);
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * CPU time (user + system) a process has used so far, in milliseconds: all its threads, or with
 * `mainThreadOnly` its main thread (the thread whose id is the process's).
 */
export function cpuTimeMs(pid: number, mainThreadOnly = false): number {
  // Fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms; the name (field 2) may hold spaces.
  const stat = readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
