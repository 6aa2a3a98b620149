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

/** A receiver script of this folder in its own process, asked questions over IPC. */
export async function forkReceiver(
  script: string,
  env: Record<string, string>,
): Promise<{
  port: number;
  /** A second port, where the receiver offers one (fieldReceiver's HTTP/2 server). */
  h2Port?: number;
  pid: number;
  ask: <T>(type: string) => Promise<T>;
  stop: () => void;
}> {
  // The compiled script, whether this runs compiled (bench/dist) or under ts-jest (bench/src).
  const child = fork(join(__dirname, '..', 'dist', script), [], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const { port, h2Port } = await new Promise<{ port: number; h2Port?: number }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    port,
    ...(h2Port === undefined ? {} : { h2Port }),
    pid: child.pid!,
    ask: (type) => ask(child, type),
    stop: () => child.kill('SIGKILL'),
  };
}

/** The receiver in a separate process, so that its work does not share the benchmark's CPU time. */
export async function startBenchReceiver(certFile: string, keyFile: string, port = 0): Promise<BenchReceiver> {
  const child = await forkReceiver('benchReceiver.js', { CERT_FILE: certFile, KEY_FILE: keyFile, PORT: String(port) });
  return {
    port: child.port,
    count: () => child.ask('count'),
    arrivals: async () => new Map((await child.ask<{ arrivals: [string, number][] }>('arrivals')).arrivals),
    reset: async () => {
      await child.ask('reset');
    },
    stop: child.stop,
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
