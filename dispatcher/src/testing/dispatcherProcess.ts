import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { dispatcherNodeArgs } from '../ops/heapLimit';
import { freePort } from './freePort';
import { waitFor } from './waitFor';

const mainJs = join(__dirname, '..', '..', 'dist', 'main.js');

export interface DispatcherProcess {
  child: ChildProcess;
  /** The public listener: the team API, the console. */
  url: string;
  /** The internal listener: the internal API, ingest and /metrics (the public one in single-port mode). */
  internalUrl: string;
  output: () => string;
  /** Calls the API with the internal token, or with `bearer`; returns the parsed JSON body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of every shape
  call(method: string, path: string, body?: unknown, bearer?: string): Promise<any>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM: the dispatcher shuts down as in production (and writes a `--cpu-prof` profile). */
  stop(): Promise<void>;
}

/**
 * The compiled dispatcher (`npm test` builds it first) as a child process, for tests that kill
 * it, started with the node flags `npm start` uses. Resolves once it answers /healthz.
 */
// A dispatcher started here never outlives the process that started it.
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export async function spawnDispatcher(
  env: Record<string, string>,
  port: number,
  nodeArgs: string[] = [],
  /** Another build's dist/main.js (the bench's comparison); this build's by default. */
  main = mainJs,
): Promise<DispatcherProcess> {
  // As deployed by default: the internal API on a listener of its own, unless env says otherwise.
  const internalPort = env.INTERNAL_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [...dispatcherNodeArgs, ...nodeArgs, main], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      INTERNAL_PORT: internalPort,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // The last 64 KiB of what it printed: a benchmark's dispatcher logs every attempt.
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 128 * 1024) output = output.slice(-64 * 1024);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const internalUrl = internalPort === 'shared' ? url : `http://127.0.0.1:${internalPort}`;
  const endWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await new Promise((resolve) => child.once('exit', resolve));
  };
  await waitFor(`the dispatcher process to answer on ${url}\n${output}`, async () => {
    if (child.exitCode !== null) throw new Error(`dispatcher exited with ${child.exitCode}:\n${output}`);
    try {
      return (await fetch(`${url}/healthz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  });
  return {
    child,
    url,
    internalUrl,
    output: () => output,
    async call(method, path, body, bearer = env.INTERNAL_API_TOKEN) {
      const base = path.startsWith('/internal/') || path === '/metrics' ? internalUrl : url;
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return response.json();
    },
    kill: () => endWith('SIGKILL'),
    stop: () => endWith('SIGTERM'),
  };
}

/** Team `t1`, an API key of its own and a webhook for `form.answered` at `url`, made through the API. */
export async function addTeamWithWebhook(dispatcher: DispatcherProcess, url: string, teamId = 't1'): Promise<void> {
  await dispatcher.call('PUT', `/internal/v1/teams/${teamId}`, {
    name: teamId.toUpperCase(),
    adminEmails: [`admin@${teamId}.example.com`],
  });
  const { apiKey } = await dispatcher.call('POST', `/internal/v1/teams/${teamId}/api-keys`);
  await dispatcher.call('POST', '/v1/webhooks', { url, event: 'form.answered' }, apiKey);
}
