import type { Hono } from 'hono';
import { handlers } from './handlers';
import { MemoryIdempotencyStore } from './idempotency';
import { jsonLineLog } from './log';
import { createReceiverApp } from './receiverApp';
import { parseWebhookSecrets, webhookSecretHint } from './secrets';

/** What Cloudflare Workers pass as `env` (wrangler.toml vars and `wrangler secret put`). */
export interface ReceiverEnv {
  WEBHOOK_SECRET?: string;
  WEBHOOK_PATH?: string;
}

// Per isolate: a Worker's isolates, and Deno's or Bun's processes, each remember their own ids.
// Plug in a store every instance shares (KV, a Durable Object, Redis, SQL) for exactly-once
// handling across them (README, "Idempotency at the edge").
const idempotency = new MemoryIdempotencyStore();
let app: { settings: string; app: Hono } | undefined;

/** Deno and Bun pass no env object: their environment is `process.env` (Deno with --allow-env). */
function environment(env: unknown): ReceiverEnv {
  if (typeof env === 'object' && env !== null && 'WEBHOOK_SECRET' in env) return env as ReceiverEnv;
  const process = (globalThis as { process?: { env?: ReceiverEnv } }).process;
  return process?.env ?? {};
}

/**
 * The receiver as a fetch handler: `export default` for Cloudflare Workers (`fetch(request, env,
 * ctx)`), Bun (`Bun.serve(receiver)`) and Deno (`Deno.serve(receiver.fetch)`).
 */
const receiver = {
  fetch(request: Request, env?: unknown, _context?: unknown): Response | Promise<Response> {
    const { WEBHOOK_SECRET, WEBHOOK_PATH = '/webhooks/spir' } = environment(env);
    const settings = `${WEBHOOK_SECRET ?? ''}\n${WEBHOOK_PATH}`;
    if (app?.settings !== settings) {
      const secrets = parseWebhookSecrets(WEBHOOK_SECRET);
      if (secrets === undefined) {
        jsonLineLog({ msg: 'misconfigured', problem: webhookSecretHint });
        return Response.json({ error: 'misconfigured', message: webhookSecretHint }, { status: 500 });
      }
      app = {
        settings,
        app: createReceiverApp({ secrets, path: WEBHOOK_PATH, handlers, idempotency, log: jsonLineLog }),
      };
    }
    return app.app.fetch(request);
  },
};

export default receiver;
