import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { ConfigError, configErrorFromIssues, listenHost, parseHostPins } from '@spir-webhooks/shared-types';
import { isWeakSecret, makeTokenHint } from './secretStrength';
import { parseTracingConfig, type TracingConfig } from './ops/tracingConfig';
import { defaultDeliveryConnections } from './delivery/send/connectionCap';

const amount = (unit: string) => (name: string, fallback: number, min: number) =>
  z.coerce
    .number({ error: `${name} must be a number of ${unit}` })
    .min(min, { error: `${name} must be at least ${min}` })
    .default(fallback);
const seconds = amount('seconds');
const days = amount('days');
const wholeNumberIn = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });
const wholeNumber = (name: string, fallback: number, min: number, max: number) =>
  wholeNumberIn(name, min, max).default(fallback);

/**
 * Attempts in their first second that each sending thread (or the main one, with none) is given
 * by default: beyond about this many on the benchmark's machine, more in flight only waited in
 * the thread, each with its own connection and memory (see DeliveryWorker).
 */
const firstSecondAttemptsPerThread = 256;

/** One sending thread per core beside the main one (at least one, at most eight): the main thread keeps ingest and the store. */
export function defaultDeliveryThreads(): number {
  return Math.min(8, Math.max(1, availableParallelism() - 1));
}

/** The internal token is the master credential: long enough not to be guessed. */
const minInternalTokenLength = 32;

const envSchema = z.object({
  PORT: wholeNumber('PORT', 8080, 0, 65535),
  HOST: listenHost('HOST', '0.0.0.0'),
  DATABASE_POOL_SIZE: wholeNumber('DATABASE_POOL_SIZE', 10, 2, 1000),
  DATABASE_URL: z
    .string()
    .default('sqlite:./data/dispatcher.db')
    .refine((url) => /^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(url), {
      error: 'DATABASE_URL must be sqlite:<path> (embedded) or postgres://user:password@host:5432/database (shared)',
    })
    .refine((url) => url !== 'sqlite:', {
      error:
        'DATABASE_URL=sqlite: names no file: use sqlite:./data/dispatcher.db, or sqlite::memory: for a throwaway store',
    }),
  DATA_DIR: z.string().min(1).default('./data'),
  INTERNAL_API_TOKEN: z
    .string()
    .min(minInternalTokenLength, {
      error: `INTERNAL_API_TOKEN must be at least ${minInternalTokenLength} characters: make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
    })
    .refine((token) => !isWeakSecret(token), {
      error: `INTERNAL_API_TOKEN is a placeholder or typed, not random (too few different characters, or blocks repeated): ${makeTokenHint}, or leave it unset to have one generated`,
    })
    .optional(),
  METRICS_TOKEN: z
    .string()
    .min(minInternalTokenLength, {
      error: `METRICS_TOKEN must be at least ${minInternalTokenLength} characters: make one with: openssl rand -base64 32`,
    })
    .refine((token) => !isWeakSecret(token), {
      error: `METRICS_TOKEN is a placeholder or typed, not random (too few different characters, or blocks repeated): ${makeTokenHint}`,
    })
    .optional(),
  REQUEST_TIMEOUT_SECONDS: seconds('REQUEST_TIMEOUT_SECONDS', 30, 0.1),
  RETRY_INTERVAL_SECONDS: seconds('RETRY_INTERVAL_SECONDS', 10, 0),
  MAX_RETRIES: wholeNumber('MAX_RETRIES', 4, 0, 100),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { error: 'SMTP_URL must start with smtp:// or smtps://' })
    .optional(),
  MAIL_FROM: z.string().min(3).default('Spir <no-reply@localhost>'),
  WEBHOOK_RESOLVE: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return parseHostPins(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  MAIL_RETRY_SECONDS: seconds('MAIL_RETRY_SECONDS', 30, 0.05),
  FAILURE_DIGEST_SECONDS: seconds('FAILURE_DIGEST_SECONDS', 3600, 0.1),
  RECOVERY_PROBE_SECONDS: seconds('RECOVERY_PROBE_SECONDS', 60, 0.1),
  RETENTION_DAYS: days('RETENTION_DAYS', 30, 0.000001),
  DELIVERY_CONCURRENCY: wholeNumber('DELIVERY_CONCURRENCY', 2048, 1, 100_000),
  DELIVERY_CONCURRENCY_PER_WEBHOOK: wholeNumber('DELIVERY_CONCURRENCY_PER_WEBHOOK', 8, 1, 10_000),
  DELIVERY_THREADS: wholeNumber('DELIVERY_THREADS', defaultDeliveryThreads(), 0, 64),
  DELIVERY_CONNECTIONS: wholeNumber('DELIVERY_CONNECTIONS', defaultDeliveryConnections, 1, 1_000_000),
  DELIVERY_CONCURRENCY_FIRST_SECOND: wholeNumberIn('DELIVERY_CONCURRENCY_FIRST_SECOND', 1, 100_000).optional(),
  SECRETS_KEY: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const key = Buffer.from(value, 'base64');
      if (key.length !== 32 || key.toString('base64') !== value.replace(/\s/g, '')) {
        ctx.addIssue({
          code: 'custom',
          message:
            "SECRETS_KEY must be 32 random bytes in base64 (make one with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\")",
        });
        return z.NEVER;
      }
      return key;
    }),
  INTERNAL_HOST: listenHost('INTERNAL_HOST', '127.0.0.1'),
  // `shared` is single-port mode, chosen on purpose: the internal API, ingest and /metrics on the public listener.
  INTERNAL_PORT: z
    .union([z.literal('shared'), z.coerce.number().int().min(0).max(65535)], {
      error:
        'INTERNAL_PORT must be a port number, or shared (single-port mode: the internal API on the public listener)',
    })
    .default(8081),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: wholeNumber('HTTP_MAX_CONNECTIONS_PER_ADDRESS', 256, 1, 1_000_000),
  HTTP_UNAUTHENTICATED_IDLE_SECONDS: seconds('HTTP_UNAUTHENTICATED_IDLE_SECONDS', 5, 0.1),
  TEAM_API_REQUESTS_PER_SECOND: wholeNumber('TEAM_API_REQUESTS_PER_SECOND', 100, 1, 100_000),
  TEAM_API_STORE_MS_PER_MINUTE: wholeNumber('TEAM_API_STORE_MS_PER_MINUTE', 10_000, 1, 3_600_000),
  HTTP_REQUEST_TIMEOUT_SECONDS: seconds('HTTP_REQUEST_TIMEOUT_SECONDS', 30, 0.1),
  HTTP_HEADERS_TIMEOUT_SECONDS: seconds('HTTP_HEADERS_TIMEOUT_SECONDS', 10, 0.1),
  HTTP_KEEP_ALIVE_SECONDS: seconds('HTTP_KEEP_ALIVE_SECONDS', 65, 0.1),
  HTTP_MAX_CONNECTIONS: wholeNumber('HTTP_MAX_CONNECTIONS', 4096, 1, 1_000_000),
  CONSOLE_BASE_URL: z
    .url({
      protocol: /^https?$/,
      error: "CONSOLE_BASE_URL must be the console's public base URL, such as https://webhooks.spir.example",
    })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  CONSOLE_LOGIN_URL: z
    .url({
      protocol: /^https?$/,
      error: 'CONSOLE_LOGIN_URL must be the URL of the Spir page that signs a person into the console',
    })
    .optional(),
  CONSOLE_FRAME_ANCESTORS: z
    .string()
    .regex(/^(https:\/\/[^\s/]+)(\s+https:\/\/[^\s/]+)*$/, {
      error:
        'CONSOLE_FRAME_ANCESTORS must be one or more https origins separated by spaces, such as https://app.spirinc.com',
    })
    .optional(),
  INGEST_CONTRACT: z
    .enum(['flag', 'strict'], {
      error:
        'INGEST_CONTRACT must be flag (deliver what deviates from the typed contract, and flag it) or strict (refuse it)',
    })
    .default('flag'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  /** DATABASE_URL: the embedded SQLite file (or `:memory:`), or a shared PostgreSQL database. */
  database: { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string; poolSize: number };
  /** Where the generated internal token and the mail outbox live. */
  dataDir: string;
  /** Unset: generated on first start and kept in `dataDir`. */
  internalApiToken: string | undefined;
  /** METRICS_TOKEN: when set, `/metrics` answers only `authorization: Bearer <it>`; unset, anyone who reaches the listener. */
  metricsToken: string | undefined;
  requestTimeoutMs: number;
  retryIntervalMs: number;
  maxRetries: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** First pause after a failed SMTP send; it doubles up to an hour. */
  mailRetryMs: number;
  /** While a webhook is failing, its further final failures go to admins as one digest per period. */
  failureDigestMs: number;
  /** How soon a failing webhook that gets no new events is probed (then backing off to an hour). */
  recoveryProbeMs: number;
  /** Finished deliveries, their attempts and stored bodies are purged after this long. */
  retentionMs: number;
  /** WEBHOOK_RESOLVE: host name → pinned address (development and tests only). */
  pinnedHosts: ReadonlyMap<string, string>;
  deliveryConcurrency: number;
  deliveryConcurrencyPerWebhook: number;
  /** Worker threads that sign and send attempts; 0 sends them from the main thread. */
  deliveryThreads: number;
  /** DELIVERY_CONNECTIONS: connections open at once to every origin together, split over the sending threads. */
  deliveryConnections: number;
  /** At most this many attempts in flight started less than a second ago; older ones stop counting. */
  deliveryConcurrencyFirstSecond: number;
  logLevel: string;
  /** INGEST_CONTRACT: `flag` delivers an event that deviates from the typed contract and flags it; `strict` refuses it (for Spir's staging). */
  ingestContract: 'flag' | 'strict';
  /** SECRETS_KEY: seals webhook secrets at rest; unset, they are stored as they are. */
  secretsKey: Buffer | undefined;
  /**
   * The listener of the internal API, ingest and /metrics (INTERNAL_HOST/INTERNAL_PORT, by default
   * 127.0.0.1:8081); undefined in single-port mode (INTERNAL_PORT=shared), chosen on purpose.
   */
  internalListener: { host: string; port: number } | undefined;
  /** Connections one client address may hold open to the public listener at once. */
  httpMaxConnectionsPerAddress: number;
  /** An idle connection on which no request authenticated is closed after this (keep-alive otherwise). */
  httpUnauthenticatedIdleMs: number;
  /** Requests per second one team may make to the team API (a burst of that many, refilled each second). */
  teamApiRequestsPerSecond: number;
  /** Milliseconds of store time one team's team API reads may take in a minute (http/storeBudget.ts). */
  teamApiStoreMsPerMinute: number;
  /** Limits of one inbound HTTP request: the whole request, its headers, an idle keep-alive connection. */
  httpRequestTimeoutMs: number;
  httpHeadersTimeoutMs: number;
  httpKeepAliveMs: number;
  httpMaxConnections: number;
  /** The console's public base URL, for sign-in links and the failure email's link; unset: this dispatcher's own address. */
  consoleBaseUrl: string | undefined;
  /** Spir's page that mints a console link, shown to a visitor without a session. */
  consoleLoginUrl: string | undefined;
  /** Origins allowed to frame the console (CSP frame-ancestors); unset: none. */
  consoleFrameAncestors: string | undefined;
  /** OpenTelemetry traces, from the standard OTEL_* variables; undefined (off) unless an endpoint is named. */
  tracing: TracingConfig | undefined;
}

/** The only reader of the environment: parses it once and hands out a frozen object. */
export function parseConfig(env: NodeJS.ProcessEnv): Readonly<Config> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) throw configErrorFromIssues(result.error.issues);
  if (present.INTERNAL_HOST !== undefined && present.INTERNAL_PORT === 'shared') {
    throw new ConfigError(
      'INTERNAL_HOST is set with INTERNAL_PORT=shared: single-port mode has no internal listener; unset one of them',
    );
  }
  const e = result.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL.startsWith('sqlite:')
      ? { engine: 'sqlite' as const, path: e.DATABASE_URL.slice('sqlite:'.length) }
      : { engine: 'postgres' as const, url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    dataDir: e.DATA_DIR,
    internalApiToken: e.INTERNAL_API_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    requestTimeoutMs: Math.round(e.REQUEST_TIMEOUT_SECONDS * 1000),
    retryIntervalMs: Math.round(e.RETRY_INTERVAL_SECONDS * 1000),
    maxRetries: e.MAX_RETRIES,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    mailRetryMs: Math.round(e.MAIL_RETRY_SECONDS * 1000),
    failureDigestMs: Math.round(e.FAILURE_DIGEST_SECONDS * 1000),
    recoveryProbeMs: Math.round(e.RECOVERY_PROBE_SECONDS * 1000),
    retentionMs: Math.round(e.RETENTION_DAYS * 24 * 3600_000),
    pinnedHosts: e.WEBHOOK_RESOLVE,
    deliveryConcurrency: e.DELIVERY_CONCURRENCY,
    deliveryConcurrencyPerWebhook: e.DELIVERY_CONCURRENCY_PER_WEBHOOK,
    deliveryThreads: e.DELIVERY_THREADS,
    deliveryConnections: e.DELIVERY_CONNECTIONS,
    deliveryConcurrencyFirstSecond:
      e.DELIVERY_CONCURRENCY_FIRST_SECOND ?? firstSecondAttemptsPerThread * Math.max(1, e.DELIVERY_THREADS),
    logLevel: e.LOG_LEVEL,
    ingestContract: e.INGEST_CONTRACT,
    secretsKey: e.SECRETS_KEY,
    internalListener: e.INTERNAL_PORT === 'shared' ? undefined : { host: e.INTERNAL_HOST, port: e.INTERNAL_PORT },
    httpMaxConnectionsPerAddress: e.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    httpUnauthenticatedIdleMs: Math.round(e.HTTP_UNAUTHENTICATED_IDLE_SECONDS * 1000),
    teamApiRequestsPerSecond: e.TEAM_API_REQUESTS_PER_SECOND,
    teamApiStoreMsPerMinute: e.TEAM_API_STORE_MS_PER_MINUTE,
    httpRequestTimeoutMs: Math.round(e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000),
    httpHeadersTimeoutMs: Math.round(e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000),
    httpKeepAliveMs: Math.round(e.HTTP_KEEP_ALIVE_SECONDS * 1000),
    httpMaxConnections: e.HTTP_MAX_CONNECTIONS,
    consoleBaseUrl: e.CONSOLE_BASE_URL,
    consoleLoginUrl: e.CONSOLE_LOGIN_URL,
    consoleFrameAncestors: e.CONSOLE_FRAME_ANCESTORS,
    tracing: parseTracingConfig(present),
  });
}
