import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateFolder, privateFileMode } from './dataFiles';

/**
 * The internal API token: INTERNAL_API_TOKEN when set, otherwise the one generated on the first
 * start and kept in the data folder, so that a restart does not lock Spir's core out.
 */
export function loadOrCreateInternalToken(
  configured: string | undefined,
  dataDir: string,
): { token: string; source: 'environment' | 'file' | 'generated'; path: string } {
  const path = join(dataDir, 'internal-api-token');
  if (configured !== undefined) return { token: configured, source: 'environment', path };
  try {
    const kept = readFileSync(path, 'utf8').trim();
    if (kept.length >= 32) return { token: kept, source: 'file', path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = `spi_${randomBytes(32).toString('base64url')}`;
  ensurePrivateFolder(dataDir, 'DATA_DIR');
  writeFileSync(path, `${token}\n`, { mode: privateFileMode });
  return { token, source: 'generated', path };
}
