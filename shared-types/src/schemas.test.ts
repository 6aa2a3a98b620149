import {
  cloneSample,
  parseWebhookEventLeniently,
  samples,
  webhookEventNames,
  webhookEventSchema,
  type WebhookEventName,
} from './index';
import { invalidCases } from './testing/invalidCases';

describe('samples', () => {
  it.each(webhookEventNames)('the %s sample passes the strict schema', (name) => {
    expect(webhookEventSchema.safeParse(samples[name]).success).toBe(true);
    expect(samples[name].webhookEventName).toBe(name);
  });

  it('at least one sample carries Japanese names and a +09:00 offset', () => {
    const text = JSON.stringify(samples);
    expect(text).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(text).toContain('+09:00');
  });
});

const requiredPayloadFields: Record<WebhookEventName, string[]> = {
  'event.confirmed': [
    'originalUrl',
    'managementTitle',
    'confirmedAt',
    'title',
    'start',
    'end',
    'timeZone',
    'organizer',
    'organizerAttendees',
    'confirmer',
    'confirmerAttendees',
    'videoConference',
    'formAnswers',
  ],
  'event.canceled': [
    'originalUrl',
    'managementTitle',
    'confirmedAt',
    'title',
    'start',
    'end',
    'timeZone',
    'organizer',
    'organizerAttendees',
    'confirmer',
    'confirmerAttendees',
    'formAnswers',
    'cancelReason',
    'canceledAt',
  ],
  'form.answered': ['originalUrl', 'managementTitle', 'answeredAt', 'answerer', 'formAnswers'],
};

describe('strict schema', () => {
  const missingCases = webhookEventNames.flatMap((name) => [
    ...['webhookEventId', 'payload'].map((field) => [name, [field]] as const),
    ...requiredPayloadFields[name].map((field) => [name, ['payload', field]] as const),
  ]);

  it.each(missingCases)('a %s event without %j is refused with that path', (name, path) => {
    const event = cloneSample(name) as unknown as Record<string, Record<string, unknown>>;
    if (path.length === 1) delete event[path[0]];
    else delete event.payload![path[1]];
    const result = webhookEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toContainEqual(path);
  });

  it('accepts an event.confirmed without the optional utm', () => {
    const event = cloneSample('event.confirmed');
    delete event.payload.utm;
    expect(webhookEventSchema.safeParse(event).success).toBe(true);
  });

  it.each(invalidCases)('refuses $description at $path', ({ event, path }) => {
    const result = webhookEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});

describe('lenient parse', () => {
  it('keeps unknown fields at every level', () => {
    const event = cloneSample('event.confirmed') as unknown as Record<string, Record<string, unknown>>;
    event.addedLater = { x: 1 };
    event.payload!.roomName = '会議室A';
    const result = parseWebhookEventLeniently(event);
    expect(result.kind).toBe('event');
    const parsed = (result as unknown as { event: Record<string, Record<string, unknown>> }).event;
    expect(parsed.addedLater).toEqual({ x: 1 });
    expect(parsed.payload!.roomName).toBe('会議室A');
  });

  it('reports an unknown event name as unknown, not invalid', () => {
    const result = parseWebhookEventLeniently({
      webhookEventName: 'event.rescheduled',
      webhookEventId: 'e1',
      payload: {},
    });
    expect(result).toEqual({ kind: 'unknown', webhookEventName: 'event.rescheduled', webhookEventId: 'e1' });
  });

  it('reports a broken known event as invalid, naming the path', () => {
    const event = cloneSample('form.answered') as unknown as Record<string, Record<string, unknown>>;
    event.payload!.answeredAt = '2026-11-20 14:30';
    const result = parseWebhookEventLeniently(event);
    expect(result.kind).toBe('invalid');
    expect(result.kind === 'invalid' && result.message).toContain('payload.answeredAt');
  });

  it('reports a body that is not an object as invalid', () => {
    expect(parseWebhookEventLeniently('hello').kind).toBe('invalid');
    expect(parseWebhookEventLeniently(null).kind).toBe('invalid');
  });
});
