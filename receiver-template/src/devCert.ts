import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
  // Absolute: from the kit's root, `npm start -w receiver-template` runs in another folder.
  const files = {
    ca: resolve(folder, 'ca.pem'),
    cert: resolve(folder, `${host}-cert.pem`),
    key: resolve(folder, `${host}-key.pem`),
  };
  writeFileSync(files.ca, ca.caCert);
  writeFileSync(files.cert, cert);
  writeFileSync(files.key, key, { mode: 0o600 });
  const url = `https://${host}:3000/webhooks/spir`;
  console.log(`Wrote ${files.ca} and a certificate for ${host} (valid 7 days) next to it.`);
  // From the Spir webhooks kit's root, the template is a workspace beside a dispatcher; in a
  // fork of the template, this folder is all there is.
  if (existsSync(join('receiver-template', 'package.json'))) {
    console.log(`
The dispatcher (trusts that CA, sends ${host} to this machine):
  NODE_EXTRA_CA_CERTS=${files.ca} WEBHOOK_RESOLVE=${host}:127.0.0.1 npm start

The receiver (after registering ${url} and exporting its secret as SECRET):
  WEBHOOK_SECRET=$SECRET TLS_CERT_FILE=${files.cert} TLS_KEY_FILE=${files.key} npm start -w receiver-template

The checker:
  NODE_EXTRA_CA_CERTS=${files.ca} WEBHOOK_RESOLVE=${host}:127.0.0.1 WEBHOOK_SECRET=$SECRET npm run check -w receiver-template -- ${url}`);
  } else if (host === 'receiver.test' && folder === 'dev-certs') {
    console.log(`
Next (README, "Run it on this machine"): \`npm run secret\`, then \`npm run dev\` serves ${url},
and in a second terminal \`npm run check:dev -- ${url}\`.`);
  } else {
    console.log(`
The receiver: TLS_CERT_FILE=${files.cert} TLS_KEY_FILE=${files.key} WEBHOOK_SECRET=whsec_... npm start
The checker:  NODE_EXTRA_CA_CERTS=${files.ca} WEBHOOK_RESOLVE=${host}:127.0.0.1 WEBHOOK_SECRET=whsec_... npm run check -- ${url}`);
  }
}

runService('dev:cert', main);
