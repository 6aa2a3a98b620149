import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { startTestDispatcher, testDatabaseUrl, type TestDispatcher } from '../testing/testDispatcher';
import type { ObservedPath } from './contractRoutes';

// Issue 41, item 1: shape learning and the deviation metric stay bounded whatever Spir's core
// (or whoever holds its token) sends, across flushes and restarts, on both engines.

let dataDir: string;
let databaseUrl: string;
let dispatcher: TestDispatcher;
let sent = 0;

const start = () => startTestDispatcher({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl });

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spir-shape-bounds-'));
  databaseUrl = await testDatabaseUrl(dataDir);
  dispatcher = await start();
  await dispatcher.createTeam('bounds');
});

afterAll(async () => {
  await dispatcher.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const ingest = (event: { webhookEventName: string; payload: unknown }) =>
  dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId: 'bounds', urlKind: 'template', event: { ...event, webhookEventId: `bounds-${sent++}` } },
  });

/** The observed answer; reading it merges what was counted into the store first (a flush). */
async function observed(): Promise<{
  events: Record<string, ObservedPath[]>;
  learning: { eventNamesFullSince: string | null; pathsFullSince: Record<string, string> };
}> {
  const answer = await dispatcher.call('GET', '/internal/v1/contract/observed');
  expect(answer.status).toBe(200);
  return answer.body;
}

async function deviationSeries(): Promise<string[]> {
  const text = await (await fetch(`${dispatcher.internalUrl}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('spir_webhook_contract_deviations_total{'));
}

const fields = (prefix: string, count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, i]));

describe('shape learning stays bounded', () => {
  it('refuses an event name longer than 100 characters with a 400 that names it, and stores nothing of it', async () => {
    const answer = await ingest({ webhookEventName: 'x'.repeat(120_000), payload: fields('f', 1_900) });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('webhookEventName');
    expect(answer.body.error.message).toContain('at most 100 characters');
    expect((await ingest({ webhookEventName: `n.${'x'.repeat(98)}`, payload: {} })).status).toBe(202);
    expect(Object.keys((await observed()).events)).toEqual([`n.${'x'.repeat(98)}`]);
  });

  it('learns at most 100 event names across flushes and restarts, says since when, and still learns the contract’s own', async () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++) await ingest({ webhookEventName: `random.${round}.${i}`, payload: { a: 1 } });
      await observed();
      if (round === 1) {
        await dispatcher.close();
        dispatcher = await start();
      }
    }
    const full = await observed();
    expect(Object.keys(full.events)).toHaveLength(100);
    expect(full.learning.eventNamesFullSince).toEqual(expect.stringMatching(/^\d{4}-/));
    expect((await ingest({ ...cloneSample('event.canceled') })).status).toBe(202);
    const after = await observed();
    expect(Object.keys(after.events)).toHaveLength(101);
    expect(after.events['event.canceled']).toBeDefined();
  }, 120_000);

  it('learns at most 2,000 paths of an event name across flushes and restarts, and says since when', async () => {
    for (const prefix of ['a', 'b', 'c']) {
      expect((await ingest({ webhookEventName: 'event.canceled', payload: fields(prefix, 900) })).status).toBe(202);
      await observed();
      if (prefix === 'b') {
        await dispatcher.close();
        dispatcher = await start();
      }
    }
    const answer = await observed();
    expect(answer.events['event.canceled']!.length).toBe(2_000);
    expect(answer.learning.pathsFullSince['event.canceled']).toEqual(expect.stringMatching(/^\d{4}-/));
  }, 120_000);

  it('counts deviations under bounded labels: unknown names as other, and free keys as *', async () => {
    for (let i = 0; i < 20; i++) await ingest({ webhookEventName: `another.${i}`, payload: {} });
    for (let i = 0; i < 20; i++) {
      const event = cloneSample('event.confirmed');
      event.payload.utmParameters = { [`key${i}`]: 7 as unknown as string };
      expect((await ingest(event)).status).toBe(202);
    }
    const series = await deviationSeries();
    expect(series.filter((line) => line.includes('event="other"'))).toHaveLength(1);
    expect(series.filter((line) => line.includes('utmParameters'))).toEqual([
      'spir_webhook_contract_deviations_total{event="event.confirmed",path="payload.utmParameters.*"} 20',
    ]);
  });
});
