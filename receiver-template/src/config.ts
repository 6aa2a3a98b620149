import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, configErrorFromIssues, listenHost } from './contract/service';
import { parseWebhookSecrets, webhookSecretHint } from './secrets';

const envSchema = z
  .object({
    PORT: z.coerce.number({ error: 'PORT must be a port number' }).int().min(0).max(65535).default(3000),
    HOST: listenHost('HOST', '0.0.0.0'),
    WEBHOOK_SECRET: z
      .string({
        error: 'WEBHOOK_SECRET is missing: set it to the whsec_... secret Spir showed when the URL was registered',
      })
      .transform((value, ctx) => {
        const secrets = parseWebhookSecrets(value);
        if (secrets === undefined) {
          ctx.addIssue({ code: 'custom', message: webhookSecretHint });
          return z.NEVER;
        }
        return secrets;
      }),
    WEBHOOK_PATH: z.string().startsWith('/', { error: 'WEBHOOK_PATH must start with /' }).default('/webhooks/spir'),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    IDEMPOTENCY_STORE: z
      .string()
      .regex(/^(memory|sqlite:.+)$/, { error: 'IDEMPOTENCY_STORE must be memory or sqlite:<path>' })
      .default('memory'),
  })
  .refine((env) => (env.TLS_CERT_FILE === undefined) === (env.TLS_KEY_FILE === undefined), {
    error: 'set both TLS_CERT_FILE and TLS_KEY_FILE, or neither',
    path: ['TLS_CERT_FILE'],
  });

export interface ReceiverConfig {
  port: number;
  host: string;
  /** Every secret Spir gave for this URL (one per registered event, plus rotated ones). */
  secrets: string[];
  path: string;
  tls: { certFile: string; keyFile: string } | undefined;
  /** `undefined` for the in-memory store, else the SQLite file. */
  idempotencySqlitePath: string | undefined;
}

/** The only reader of the environment: parsed once, frozen. */
export function parseReceiverConfig(env: NodeJS.ProcessEnv): Readonly<ReceiverConfig> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(present);
  if (!result.success) throw configErrorFromIssues(result.error.issues);
  const e = result.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    secrets: e.WEBHOOK_SECRET,
    path: e.WEBHOOK_PATH,
    tls:
      e.TLS_CERT_FILE !== undefined && e.TLS_KEY_FILE !== undefined
        ? { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE }
        : undefined,
    idempotencySqlitePath: e.IDEMPOTENCY_STORE === 'memory' ? undefined : e.IDEMPOTENCY_STORE.slice('sqlite:'.length),
  });
}

/** Reads a TLS file named by `variable`; a missing or unreadable one is a ConfigError saying so. */
export function readTlsFile(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(
      `${variable}: cannot read ${path} (${reason}); set it to a PEM file (\`npm run dev:cert\` makes one for development)`,
      { cause: error },
    );
  }
}
