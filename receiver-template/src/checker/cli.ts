import { parseHostPins } from '../contract';
import { checkEndpoint } from './checkEndpoint';

const usage = 'usage: npm run check -w receiver-template -- <https-url> --secret <whsec_...> [--timeout <seconds>]';

// The endpoint checker as a command: prints one line per rule; exits 0 only when all pass.
async function main(argv: string[]): Promise<number> {
  let url: string | undefined;
  let secret: string | undefined;
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
  if (url === undefined || secret === undefined || !(timeoutSeconds > 0)) {
    console.error(usage);
    return 2;
  }
  const pinnedHosts = parseHostPins(process.env.WEBHOOK_RESOLVE);
  console.log(`Checking ${url} against Spir's webhook rules`);
  const results = await checkEndpoint({ url, secret, timeoutMs: timeoutSeconds * 1000, pinnedHosts });
  const width = Math.max(...results.map((r) => r.rule.length));
  for (const result of results)
    console.log(`  ${result.passed ? 'PASS' : 'FAIL'}  ${result.rule.padEnd(width)}  ${result.detail}`);
  const passed = results.filter((r) => r.passed).length;
  console.log(`${passed} of ${results.length} rules passed`);
  return passed === results.length ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
