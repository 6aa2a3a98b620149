import { parseHostPins, webhookSecretPattern } from '../contract';
import { checkEndpoint, reportDeviatingEvent } from './checkEndpoint';

const usage = `usage: WEBHOOK_SECRET=whsec_... npm run check -- <https-url> [--timeout <seconds>]
  WEBHOOK_SECRET  the secret the endpoint verifies with (one whsec_... value; --secret <whsec_...> also works)
  WEBHOOK_RESOLVE host:address pins for development (receiver.test:127.0.0.1), as Spir's dispatcher honours them
  NODE_EXTRA_CA_CERTS  a development CA to trust (npm run dev:cert writes dev-certs/ca.pem)`;

// The endpoint checker as a command: prints one line per rule; exits 0 only when all pass. It
// never prints the secret.
async function main(argv: string[]): Promise<number> {
  let url: string | undefined;
  let secret = process.env.WEBHOOK_SECRET;
  let timeoutSeconds = 30;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--secret') secret = argv[++i];
    else if (arg === '--timeout') timeoutSeconds = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      console.log(usage);
      return 0;
    } else if (url === undefined && !arg.startsWith('--')) url = arg;
    else {
      console.error(`unknown argument ${arg}\n${usage}`);
      return 2;
    }
  }
  if (url === undefined || !(timeoutSeconds > 0)) {
    console.error(usage);
    return 2;
  }
  if (secret === undefined || secret === '') {
    console.error(`WEBHOOK_SECRET is not set: give the secret the endpoint verifies with\n${usage}`);
    return 2;
  }
  if (!webhookSecretPattern.test(secret.trim())) {
    console.error('WEBHOOK_SECRET is not one whsec_... secret (whsec_ and the base64 of 32 bytes); not printed here');
    return 2;
  }
  const pinnedHosts = parseHostPins(process.env.WEBHOOK_RESOLVE);
  console.log(`Checking ${url} against Spir's webhook rules`);
  const options = { url, secret: secret.trim(), timeoutMs: timeoutSeconds * 1000, pinnedHosts };
  const rules = await checkEndpoint(options);
  const width = Math.max(...rules.map((r) => r.rule.length));
  for (const result of rules)
    console.log(`  ${result.passed ? 'PASS' : 'FAIL'}  ${result.rule.padEnd(width)}  ${result.detail}`);
  const passed = rules.filter((r) => r.passed).length;
  console.log(`${passed} of ${rules.length} rules passed`);
  console.log(`\nNot a rule, how it treats a deviating event: ${await reportDeviatingEvent(options)}`);
  return passed === rules.length ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
