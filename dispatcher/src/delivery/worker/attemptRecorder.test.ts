import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openStore } from '../../store/openStore';
import type { QueueStore, Store } from '../../store/store';
import { StoreUnavailableError } from '../../store/storeTypes';
import { claim, event, result, team, webhook } from '../../testing/storeFixtures';
import { AttemptRecorder } from './attemptRecorder';

// A store call that hangs past finish()'s bound and answers later: a real SQLite store, in front
// of which the first recordAttemptResults waits for the test to let it answer.

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spir-recorder-'));
  store = await openStore({ database: { engine: 'sqlite', path: join(dir, 'store.db') } });
  await store.teams.upsertTeam({ teamId: 't', ...team });
  await store.webhooks.createWebhook(webhook('wh1'));
  await store.events.recordEvent(event('e1'));
  await store.events.recordEvent(event('e2'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

type LateAnswer = 'store unavailable' | 'another error' | 'recorded';

describe('a store call that hangs past finish()', () => {
  it.each<LateAnswer>(['store unavailable', 'another error', 'recorded'])(
    'hands each result to the store once and logs it as left once, when the call answers late: %s',
    async (lateAnswer) => {
      const deliveries = await claim(store, 'w1');
      expect(deliveries).toHaveLength(2);
      const calls: string[][] = [];
      let answer: () => void = () => undefined;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      const hanging = new Proxy(store.queue, {
        get: (target, name, receiver) =>
          name !== 'recordAttemptResults'
            ? Reflect.get(target, name, receiver)
            : async (workerId: string, results: Parameters<QueueStore['recordAttemptResults']>[1]) => {
                calls.push(results.map((r) => r.deliveryId));
                if (calls.length > 1) return target.recordAttemptResults(workerId, results);
                await answered;
                if (lateAnswer === 'store unavailable') throw new StoreUnavailableError('the connection was lost');
                if (lateAnswer === 'another error') throw new Error('the server ended the statement');
                return target.recordAttemptResults(workerId, results);
              },
      });
      const lines: { msg: string }[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
      const recorder = new AttemptRecorder(hanging, 'w1', logger);
      for (const delivery of deliveries) recorder.add(result(delivery, { kind: 'succeeded' }));

      await recorder.finish(50);
      const leftLines = () => lines.filter((line) => line.msg.startsWith('stopping with 2 attempt results unrecorded'));
      expect(leftLines()).toHaveLength(1);
      answer();
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(calls).toEqual([deliveries.map((delivery) => delivery.id)]);
      expect(leftLines()).toHaveLength(1);
      const attempts = await Promise.all(deliveries.map((delivery) => store.deliveries.listAttempts(delivery.id)));
      expect(attempts.map((rows) => rows.length)).toEqual(lateAnswer === 'recorded' ? [1, 1] : [0, 0]);
      expect(lines.some((line) => line.msg.includes('recorded after all'))).toBe(lateAnswer === 'recorded');
    },
  );
});
