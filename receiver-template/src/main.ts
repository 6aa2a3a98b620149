import { createServer as createHttpsServer } from 'node:https';
import { createAdaptorServer } from '@hono/node-server';
import { listenOrExplain, runService } from './contract/service';
import { parseReceiverConfig, readTlsFile } from './config';
import { handlers } from './handlers';
import { MemoryIdempotencyStore, type IdempotencyStore } from './idempotency';
import { jsonLineLog } from './log';
import { createReceiverApp } from './receiverApp';
import { SqliteIdempotencyStore } from './sqliteIdempotency';

// The receiver on Node: HTTPS itself with TLS_CERT_FILE/TLS_KEY_FILE, or plain HTTP behind a
// platform that terminates TLS. The handler is the one the other runtimes serve (receiverApp.ts).
async function main(): Promise<void> {
  const config = parseReceiverConfig(process.env);
  const idempotency: IdempotencyStore =
    config.idempotencySqlitePath === undefined
      ? new MemoryIdempotencyStore()
      : new SqliteIdempotencyStore(config.idempotencySqlitePath);
  const app = createReceiverApp({
    secrets: config.secrets,
    path: config.path,
    handlers,
    idempotency,
    log: jsonLineLog,
  });
  const server =
    config.tls === undefined
      ? createAdaptorServer({ fetch: app.fetch })
      : createAdaptorServer({
          fetch: app.fetch,
          createServer: createHttpsServer,
          serverOptions: {
            cert: readTlsFile(config.tls.certFile, 'TLS_CERT_FILE'),
            key: readTlsFile(config.tls.keyFile, 'TLS_KEY_FILE'),
          },
        });
  await listenOrExplain(server, { port: config.port, host: config.host });
  const scheme = config.tls === undefined ? 'http' : 'https';
  jsonLineLog({
    msg: `receiver listening on ${scheme}://${config.host}:${config.port}${config.path}`,
    tls: config.tls !== undefined,
    idempotency: config.idempotencySqlitePath === undefined ? 'memory' : `sqlite:${config.idempotencySqlitePath}`,
    ...(config.tls === undefined
      ? {
          note: 'plain HTTP: run this behind a platform that terminates TLS (Spir only calls https URLs), or set TLS_CERT_FILE and TLS_KEY_FILE',
        }
      : {}),
  });
  const stop = () =>
    server.close(() => {
      void idempotency.close().then(() => process.exit(0));
    });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

runService('receiver', main);
