import pino from 'pino';
import { samples } from '@spir-webhooks/shared-types';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { maxJsonBodyDepth, refuseDeepJson } from './jsonDepth';

// Bodies nested past any sensible depth are refused, named, before anything parses or walks them:
// a 400, never a 500, and no stack trace in the log.

const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

let dispatcher: TestDispatcher;
let apiKey: string;
const errorLines: unknown[] = [];

beforeAll(async () => {
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        const parsed = JSON.parse(line) as { level: number };
        if (parsed.level >= 50) errorLines.push(parsed);
      },
    },
  );
  dispatcher = await startTestDispatcher({}, { logger });
  apiKey = await dispatcher.createTeam('deep');
});
afterAll(() => dispatcher.close());

describe('the depth of JSON bodies', () => {
  it.each([3_000, 5_000])(
    'refuses an ingest whose envelope carries a field nested %i deep beside the payload',
    async (depth) => {
      const event = { ...samples['event.confirmed'], webhookEventId: `deep-${depth}` };
      const envelope = JSON.stringify({ teamId: 'deep', urlKind: 'template', event });
      const rawBody = envelope.replace(/}$/, `,"extra":${nested(depth)}}`);
      const answer = await dispatcher.call('POST', '/internal/v1/events', { rawBody });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('json_too_deep');
      expect(answer.body.error.message).toContain(`${maxJsonBodyDepth} levels`);
      const events = await dispatcher.call('GET', '/v1/events?limit=10', { token: apiKey });
      expect(events.body.data).toEqual([]);
    },
  );

  it('refuses a team API body nested 20,000 deep with a 400, logging no error', async () => {
    const rawBody = `{"url":"https://example.com/","event":"form.answered","x":${nested(20_000)}}`;
    const answer = await dispatcher.call('POST', '/v1/webhooks', { token: apiKey, rawBody });
    expect(answer).toEqual({ status: 400, body: { error: expect.objectContaining({ code: 'json_too_deep' }) } });
    expect(errorLines).toEqual([]);
  });

  it('refuses a console sign-in body nested too deep', async () => {
    const answer = await dispatcher.call('POST', '/console/session', { rawBody: `{"apiKey":${nested(1_500)}}` });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('json_too_deep');
  });
});

describe('refuseDeepJson', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it('takes a body nested exactly as deep as allowed, and refuses one level more', () => {
    expect(() => refuseDeepJson(bytes(nested(maxJsonBodyDepth)))).not.toThrow();
    expect(() => refuseDeepJson(bytes(nested(maxJsonBodyDepth + 1)))).toThrow(/send it flatter/);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ a: '['.repeat(500), b: '\\"[[[[' + '{'.repeat(500), c: '日本[' });
    expect(() => refuseDeepJson(bytes(inString))).not.toThrow();
  });
});
