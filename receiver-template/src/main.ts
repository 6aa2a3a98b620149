import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { listenOrExplain, runService } from '@spir-webhooks/shared-types';
import { parseReceiverConfig, readTlsFile } from './config';
import { handlers } from './handlers';
import { MemoryIdempotencyStore, SqliteIdempotencyStore } from './idempotency';
import { jsonLineLog } from './log';
import { createReceiverApp } from './receiverApp';

async function main(): Promise<void> {
  const config = parseReceiverConfig(process.env);
  const idempotency =
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
      ? createHttpServer(app)
      : createHttpsServer(
          {
            cert: readTlsFile(config.tls.certFile, 'TLS_CERT_FILE'),
            key: readTlsFile(config.tls.keyFile, 'TLS_KEY_FILE'),
          },
          app,
        );
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
      idempotency.close();
      process.exit(0);
    });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

runService('receiver', main);
