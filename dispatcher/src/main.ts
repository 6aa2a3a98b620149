import { runService } from '@spir-webhooks/shared-types';
import { parseConfig } from './config';
import { startDispatcher } from './dispatcher';

// The dispatcher as a process: configuration from the environment, shut down on SIGTERM/SIGINT.
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const dispatcher = await startDispatcher(config);
  printFirstSteps(
    `${config.host}:${new URL(dispatcher.url).port}`,
    dispatcher.url,
    dispatcher.internalUrl ?? dispatcher.url,
    {
      source: dispatcher.internalApiTokenSource,
      path: dispatcher.internalApiTokenPath,
    },
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

/**
 * The start banner. The internal token is the master credential and is never printed (log
 * collectors keep what a process prints): the banner says where it is kept.
 */
function printFirstSteps(
  listening: string,
  url: string,
  internalUrl: string,
  internal: { source: 'environment' | 'file' | 'generated'; path: string },
): void {
  const tokenLines = {
    environment: ['Internal API token: from INTERNAL_API_TOKEN (not printed).', 'export INTERNAL=<that token>'],
    file: [`Internal API token: kept in ${internal.path} (not printed).`, `export INTERNAL=$(cat ${internal.path})`],
    generated: [
      `Internal API token: generated now and kept in ${internal.path} (not printed).`,
      `export INTERNAL=$(cat ${internal.path})`,
    ],
  }[internal.source];
  const where =
    internalUrl === url
      ? `Single-port mode (INTERNAL_PORT=shared): the internal API and /metrics share the public listener.`
      : `Internal API, ingest and /metrics: ${internalUrl} (the public listener answers 404 there).`;
  console.error(`
Spir webhooks dispatcher listening on ${listening}; from this machine: ${url}
${where}
${tokenLines[0]}

First steps (dispatcher/README.md; routes and variables in dispatcher/docs/api.md):
  ${tokenLines[1]}
  curl -X PUT ${internalUrl}/internal/v1/teams/team-1 -H "authorization: Bearer $INTERNAL" \\
    -H 'content-type: application/json' -d '{"name":"Team 1","adminEmails":["admin@example.com"]}'
  curl -X POST ${internalUrl}/internal/v1/teams/team-1/api-keys -H "authorization: Bearer $INTERNAL"
`);
}

runService('dispatcher', main);
