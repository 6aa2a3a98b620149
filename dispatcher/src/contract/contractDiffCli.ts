import { readFileSync } from 'node:fs';
import type { ObservedPath } from './contractRoutes';
import { diffContract, renderContractDiff } from './contractDiff';

const usage = `usage: npm run contract:diff -- <internal base URL> [--token <INTERNAL_API_TOKEN>]
  e.g. npm run contract:diff -- http://127.0.0.1:8081
  The token comes from --token, else INTERNAL_API_TOKEN, else ./data/internal-api-token.`;

function tokenFrom(args: string[]): string {
  const flag = args.indexOf('--token');
  if (flag >= 0 && args[flag + 1] !== undefined) return args[flag + 1]!;
  const fromEnvironment = process.env.INTERNAL_API_TOKEN;
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  try {
    return readFileSync('data/internal-api-token', 'utf8').trim();
  } catch {
    throw new Error('no internal API token: pass --token, set INTERNAL_API_TOKEN, or run from the dispatcher folder');
  }
}

/** `npm run contract:diff -- <internal base URL>`: what live traffic and the typed contract disagree on. */
async function main(args: string[]): Promise<number> {
  const base = args.find((arg) => /^https?:\/\//.test(arg));
  if (base === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const response = await fetch(new URL('/internal/v1/contract/observed', base), {
    headers: { authorization: `Bearer ${tokenFrom(args)}` },
  });
  if (!response.ok) {
    process.stderr.write(`The dispatcher answered HTTP ${response.status}: ${await response.text()}\n`);
    return 1;
  }
  const { events } = (await response.json()) as { events: Record<string, ObservedPath[]> };
  process.stdout.write(renderContractDiff(diffContract(events)));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`contract:diff: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
