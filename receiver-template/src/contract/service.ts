// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * A configuration mistake: a variable with a bad value, a file that cannot be read, an address
 * that cannot be listened on. Its message is one sentence per problem naming the variable and
 * the fix; the process ends with it and exit code 2, never with a stack trace.
 */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** One line per broken variable, from a zod parse of the environment. */
export function configErrorFromIssues(issues: readonly z.core.$ZodIssue[]): ConfigError {
  const lines = issues.map((issue) => {
    const variable = issue.path.join('.');
    return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
  });
  return new ConfigError(lines.join('\n'));
}

/**
 * Runs a service's start-up: a ConfigError ends the process with `<name>: <message>` and exit
 * code 2; anything else is a bug, printed with its stack, exit code 1.
 */
export function runService(name: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError) {
      for (const line of error.message.split('\n')) console.error(`${name}: ${line}`);
      process.exit(2);
    }
    console.error(`${name} failed to start:`, error);
    process.exit(1);
  });
}

/**
 * `server.listen` as a promise; an address that cannot be listened on is a ConfigError naming
 * the variables that chose it.
 */
export function listenOrExplain(
  server: {
    listen(port: number, host: string, done: () => void): unknown;
    once(e: 'error', f: (error: Error) => void): unknown;
    off(e: 'error', f: (error: Error) => void): unknown;
  },
  address: { port: number; host: string; portVariable?: string; hostVariable?: string },
): Promise<void> {
  const { port, host, portVariable = 'PORT', hostVariable = 'HOST' } = address;
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      const code = (error as NodeJS.ErrnoException).code;
      const explained: Record<string, string> = {
        EADDRINUSE: `${portVariable}: port ${port} is already in use on ${host}; stop the other process or choose another ${portVariable}`,
        EACCES: `${portVariable}: this user may not listen on port ${port} (ports below 1024 need privileges); choose another ${portVariable}`,
        EADDRNOTAVAIL: `${hostVariable}: ${host} is not an address of this machine; use 0.0.0.0 (every interface) or 127.0.0.1 (this machine only)`,
        ENOTFOUND: `${hostVariable}: ${host} is not an address of this machine; use 0.0.0.0 (every interface) or 127.0.0.1 (this machine only)`,
      };
      const message = code === undefined ? undefined : explained[code];
      reject(message === undefined ? error : new ConfigError(message, { cause: error }));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** An address to listen on: an IP address, or a host name (not something that only looks like an IP). */
export const listenHost = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((host) => isIP(host) !== 0 || (/^[A-Za-z0-9.-]+$/.test(host) && !/^[\d.]+$/.test(host)), {
      error: `${name} must be an IP address to listen on, such as 0.0.0.0 (every interface) or 127.0.0.1 (this machine only)`,
    });
