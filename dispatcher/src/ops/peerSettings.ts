import { randomBytes } from 'node:crypto';
import type { Config } from '../config';

/**
 * The settings each dispatcher applies to the deliveries it claims. Dispatchers sharing one
 * PostgreSQL database may differ in them (a rolling change of MAX_RETRIES, say); that is allowed,
 * and each start says so in the log. A dispatcher announces its own in its connections'
 * `application_name`, so that the database itself says which dispatchers are alive, with no
 * heartbeat table to keep.
 */
export interface DeliverySettings {
  maxRetries: number;
  requestTimeoutMs: number;
  retryIntervalMs: number;
}

const prefix = 'spir-dispatcher';

/** A new dispatcher's name on the database, e.g. `spir-dispatcher 1a2b3c4d r=5 t=30000 i=600000` (under 64 bytes). */
export function dispatcherIdentity(settings: DeliverySettings): string {
  return `${prefix} ${randomBytes(4).toString('hex')} r=${settings.maxRetries} t=${settings.requestTimeoutMs} i=${settings.retryIntervalMs}`;
}

/** The pattern that finds every dispatcher's connections (SQL LIKE). */
export const identityPattern = `${prefix} %`;

const identityShape = /^spir-dispatcher ([0-9a-f]{8}) r=(\d+) t=(\d+(?:\.\d+)?) i=(\d+(?:\.\d+)?)$/;

/** A dispatcher's settings from its identity; undefined for a name that is not one. */
export function peerSettings(identity: string): DeliverySettings | undefined {
  const match = identityShape.exec(identity);
  if (match === null) return undefined;
  return { maxRetries: Number(match[2]), requestTimeoutMs: Number(match[3]), retryIntervalMs: Number(match[4]) };
}

export function deliverySettingsOf(config: Pick<Config, 'maxRetries' | 'requestTimeoutMs' | 'retryIntervalMs'>) {
  return {
    maxRetries: config.maxRetries,
    requestTimeoutMs: config.requestTimeoutMs,
    retryIntervalMs: config.retryIntervalMs,
  };
}

/** One sentence per setting in which a running peer differs from this dispatcher; none when all agree. */
export function settingDifferences(own: DeliverySettings, peers: readonly DeliverySettings[]): string[] {
  const named: [keyof DeliverySettings, string, (value: number) => string][] = [
    ['maxRetries', 'MAX_RETRIES', String],
    ['requestTimeoutMs', 'REQUEST_TIMEOUT_SECONDS', (ms) => String(ms / 1000)],
    ['retryIntervalMs', 'RETRY_INTERVAL_SECONDS', (ms) => String(ms / 1000)],
  ];
  const differences: string[] = [];
  for (const [key, variable, show] of named) {
    const others = [...new Set(peers.map((peer) => peer[key]).filter((value) => value !== own[key]))];
    if (others.length === 0) continue;
    differences.push(
      `${variable}=${show(own[key])} here, but ${others.map(show).join(' and ')} on other running dispatchers sharing this database: each applies its own value to the deliveries it claims`,
    );
  }
  return differences;
}
