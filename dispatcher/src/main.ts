import { runService } from '@spir-webhooks/shared-types';
import { parseConfig } from './config';
import { startDispatcher } from './dispatcher';

// The dispatcher as a process: configuration from the environment, shut down on SIGTERM/SIGINT.
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const dispatcher = await startDispatcher(config);
  printFirstSteps(
    dispatcher.url,
    dispatcher.internalApiToken,
    dispatcher.internalApiTokenSource,
    dispatcher.internalApiTokenPath,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    dispatcher.context.logger.info({ signal }, 'stopping: finishing attempts in flight');
    dispatcher.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function printFirstSteps(url: string, token: string, source: string, path: string): void {
  const origin =
    source === 'environment'
      ? 'from INTERNAL_API_TOKEN'
      : `${source === 'generated' ? 'generated now and ' : ''}kept in ${path}`;
  console.error(`
Spir webhooks dispatcher on ${url}
Internal API token (${origin}):
  ${token}

First steps (see README.md):
  export INTERNAL=${token}
  curl -X PUT ${url}/internal/v1/teams/team-1 -H "authorization: Bearer $INTERNAL" \\
    -H 'content-type: application/json' -d '{"name":"Team 1","adminEmails":["admin@example.com"]}'
  curl -X POST ${url}/internal/v1/teams/team-1/api-keys -H "authorization: Bearer $INTERNAL"
`);
}

runService('dispatcher', main);
