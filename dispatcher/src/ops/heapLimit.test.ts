import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnDispatcher } from '../testing';
import { waitFor } from '../testing/waitFor';
import { dispatcherNodeArgs, heapLimitMb, heapLimitWarning } from './heapLimit';

const repository = join(__dirname, '..', '..', '..');
const readJson = (path: string) =>
  JSON.parse(readFileSync(join(repository, path), 'utf8')) as { scripts: Record<string, string> };

it('is the heap limit of every command that starts the dispatcher', () => {
  const dockerCommand = /^CMD (.*)$/m.exec(readFileSync(join(repository, 'dispatcher', 'Dockerfile'), 'utf8'))?.[1];
  const commands = {
    'npm start': readJson('package.json').scripts.start,
    'npm start -w dispatcher': readJson('dispatcher/package.json').scripts.start,
    'the image': (JSON.parse(dockerCommand ?? '[]') as string[]).join(' '),
  };
  for (const [name, command] of Object.entries(commands)) {
    for (const flag of dispatcherNodeArgs) expect(`${name}: ${command}`).toContain(` ${flag} `);
  }
});

it('reaches a dispatcher started as the tests start it, which logs it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'spir-heap-'));
  const dispatcher = await spawnDispatcher(
    { DATA_DIR: dataDir, DATABASE_URL: `sqlite:${join(dataDir, 'd.db')}`, LOG_LEVEL: 'info' },
    await freePort(),
  );
  try {
    // The start line is written out just after the listener answers /healthz.
    const line = await waitFor('the start log line', () =>
      dispatcher
        .output()
        .split('\n')
        .find((text) => text.includes('"msg":"dispatcher listening"')),
    );
    const logged = (JSON.parse(line) as { heapLimitMb?: number }).heapLimitMb;
    // V8's limit adds the young generation to the old one the flag sets; Node's own default is
    // a quarter of the machine's memory.
    expect(logged).toBeGreaterThanOrEqual(heapLimitMb);
    expect(logged).toBeLessThan(heapLimitMb * 1.25);
  } finally {
    await dispatcher.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('warns when the attempts in flight could outgrow the heap, and says what to change', () => {
  expect(heapLimitWarning(2048, 1072)).toBeUndefined();
  expect(heapLimitWarning(4096, 1072)).toBe(
    'DELIVERY_CONCURRENCY=4096: attempts in flight may hold up to 1280 MB when every event is at the ' +
      "256 KiB limit, over three quarters of this process's heap (1072 MB): start node with " +
      '--max-old-space-size=1707 or more, or lower DELIVERY_CONCURRENCY',
  );
});
