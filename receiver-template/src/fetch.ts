import type { Hono } from 'hono';
import { D1IdempotencyStore, type D1Database } from './d1Idempotency';
import { handlers } from './handlers';
import { MemoryIdempotencyStore } from './idempotency';
import { jsonLineLog } from './log';
import { createReceiverApp } from './receiverApp';
import { parseWebhookSecrets, webhookSecretHint } from './secrets';

/** What Cloudflare Workers pass as `env` (wrangler.toml vars and bindings, `wrangler secret put`, .dev.vars). */
export interface ReceiverEnv {
  WEBHOOK_SECRET?: string;
  WEBHOOK_PATH?: string;
  /** A D1 database shared by every isolate (wrangler.toml): each event handled once across them. */
  IDEMPOTENCY_DB?: D1Database;
}

// Without a D1 binding, per isolate: a Worker's isolates, and Deno's or Bun's processes, each
// remember their own ids (README, "Idempotency at the edge").
const isolateMemory = new MemoryIdempotencyStore();
// Built on the first request, not at module scope: a Worker's bindings (`env`) exist only there.
let app: { settings: string; app: Hono } | undefined;

const workersSecretHint = `${webhookSecretHint}. On Workers: \`npx wrangler secret put WEBHOOK_SECRET\`; under \`wrangler dev\`, a line WEBHOOK_SECRET=whsec_... in .dev.vars (\`npm run secret\` writes one)`;

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
    const settings = environment(env);
    const db = settings.IDEMPOTENCY_DB;
    const path = settings.WEBHOOK_PATH ?? '/webhooks/spir';
    const key = `${settings.WEBHOOK_SECRET ?? ''}\n${path}\n${db === undefined ? 'memory' : 'd1'}`;
    if (app?.settings !== key) {
      const secrets = parseWebhookSecrets(settings.WEBHOOK_SECRET);
      if (secrets === undefined) {
        jsonLineLog({ msg: 'misconfigured', problem: workersSecretHint });
        return Response.json({ error: { code: 'misconfigured', message: workersSecretHint } }, { status: 500 });
      }
      const idempotency = db === undefined ? isolateMemory : new D1IdempotencyStore(db);
      jsonLineLog({
        msg: 'receiver ready',
        idempotency: db === undefined ? 'memory, per isolate' : 'D1 (IDEMPOTENCY_DB)',
      });
      app = {
        settings: key,
        app: createReceiverApp({ secrets, path, handlers, idempotency, log: jsonLineLog }),
      };
    }
    return app.app.fetch(request);
  },
};

export default receiver;
