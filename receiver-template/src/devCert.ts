import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, runService } from './contract';
import { createThrowawayCa } from './contract/testing/throwawayCa';

// `npm run dev:cert [-- <host name> [<folder>]]`: a throwaway CA and a certificate for a
// development host name (receiver.test by default), so that a receiver on this machine can be a
// webhook URL: the dispatcher trusts the CA (NODE_EXTRA_CA_CERTS) and sends that name to this
// machine (WEBHOOK_RESOLVE). The CA's private key is never written: it signs once and is gone.
async function main(): Promise<void> {
  const [host = 'receiver.test', folder = 'dev-certs'] = process.argv.slice(2);
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host)) {
    throw new ConfigError(`${host} is not a host name with a dot, such as receiver.test`);
  }
  const ca = await createThrowawayCa(`Spir webhooks development CA for ${host}`);
  const { cert, key } = await ca.issue([host]);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // Absolute: `npm start -w receiver-template` runs in another folder than this command.
  const files = {
    ca: resolve(folder, 'ca.pem'),
    cert: resolve(folder, `${host}-cert.pem`),
    key: resolve(folder, `${host}-key.pem`),
  };
  writeFileSync(files.ca, ca.caCert);
  writeFileSync(files.cert, cert);
  writeFileSync(files.key, key, { mode: 0o600 });
  const url = `https://${host}:3000/webhooks/spir`;
  console.log(`Wrote ${files.ca} and a certificate for ${host} (valid 7 days) next to it.

The dispatcher (trusts that CA, sends ${host} to this machine):
  NODE_EXTRA_CA_CERTS=${files.ca} WEBHOOK_RESOLVE=${host}:127.0.0.1 npm start

The receiver (after registering ${url} and exporting its secret as SECRET):
  WEBHOOK_SECRET=$SECRET TLS_CERT_FILE=${files.cert} TLS_KEY_FILE=${files.key} npm start -w receiver-template

The checker:
  NODE_EXTRA_CA_CERTS=${files.ca} WEBHOOK_RESOLVE=${host}:127.0.0.1 npm run check -w receiver-template -- ${url} --secret $SECRET`);
}

runService('dev:cert', main);
