import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '@spir-webhooks/shared-types';

/**
 * The dispatcher's files hold webhook secrets and people's names and emails: its folders are
 * 0700 and its files 0600, whatever the umask. This is the one place that sets those modes.
 */
const privateFolderMode = 0o700;
export const privateFileMode = 0o600;

/**
 * Creates `folder` (and missing parents) as private folders; an existing one is made private.
 * Walks up by hand: Node's `mkdirSync(..., { recursive: true })` never returns for a path under
 * `/proc`. A folder that cannot be made is a ConfigError naming `variable`.
 */
export function ensurePrivateFolder(folder: string, variable: string): void {
  const missing: string[] = [];
  for (let current = resolve(folder); !existsSync(current); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  try {
    for (const path of missing) mkdirSync(path, { mode: privateFolderMode });
    chmodSync(folder, privateFolderMode);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(
      `${variable}: cannot create the folder ${resolve(folder)} (${reason}); point ${variable} at a folder this user can write`,
      { cause: error },
    );
  }
}

/** Makes existing files private (SQLite creates its -wal and -shm files with the umask's mode). */
export function makeFilesPrivate(paths: readonly string[]): void {
  for (const path of paths) if (existsSync(path)) chmodSync(path, privateFileMode);
}
