import {
  cloneSample,
  lenientWebhookEventSchema,
  moreSamples,
  parseWebhookEventLeniently,
  samples,
  webhookEventNames,
  webhookEventSchema,
  type WebhookEventName,
} from './index';
import { invalidCases, typedFieldCases } from './testing/invalidCases';
import { withUnknownFieldsEverywhere } from './testing/withUnknownFields';

describe('samples', () => {
  const all = [...Object.values(samples), moreSamples.confirmedWithoutMeetingUrl, ...moreSamples.reschedule];

  it.each(all.map((event) => [event.webhookEventId, event] as const))('%s passes the strict schema', (_id, event) => {
    expect(webhookEventSchema.safeParse(event).success).toBe(true);
  });

  it("looks like Spir's traffic: Japanese questions, UTC dates, originalUrl of an availability link", () => {
    const text = JSON.stringify(samples);
    expect(text).toContain('会社・団体名');
    expect(samples['event.confirmed'].payload.startDateTime).toMatch(/Z$/);
    for (const event of all) {
      expect(event.payload.originalUrl).toMatch(/^https:\/\/app\.spirinc\.com\/t\/[^/]+\/as\/[^/]+\/confirm$/);
    }
  });

  it('has an onlineMeeting with a URL and one without, and a reschedule as canceled then confirmed', () => {
    expect(samples['event.confirmed'].payload.onlineMeeting.url).not.toBe('');
    expect(moreSamples.confirmedWithoutMeetingUrl.payload.onlineMeeting.url).toBe('');
    const [canceled, confirmed] = moreSamples.reschedule;
    expect([canceled.webhookEventName, confirmed.webhookEventName]).toEqual(['event.canceled', 'event.confirmed']);
    expect(canceled.payload.originalUrl).toBe(confirmed.payload.originalUrl);
  });
});

const scheduleFields = [
  'originalUrl',
  'privateTitle',
  'confirmedAt',
  'title',
  'startDateTime',
  'endDateTime',
  'timeZone',
  'organizer',
  'attendeesFromOrganizerSide',
  'invitee',
  'attendeesFromInviteeSide',
  'formAnswers',
];
const requiredPayloadFields: Record<WebhookEventName, string[]> = {
  'event.confirmed': [...scheduleFields, 'onlineMeeting'],
  'event.canceled': [...scheduleFields, 'cancelReason', 'canceledAt'],
  'form.answered': ['originalUrl', 'privateTitle', 'answeredAt', 'invitee', 'formAnswers'],
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

  it('accepts an event.confirmed without the optional fields', () => {
    const event = cloneSample('event.confirmed');
    delete event.payload.utmParameters;
    delete event.payload.rooms;
    delete event.payload.invitee.language;
    delete event.payload.onlineMeeting.password;
    expect(webhookEventSchema.safeParse(event).success).toBe(true);
  });

  it.each(invalidCases)('refuses $description at $path', ({ event, path }) => {
    const result = webhookEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});

describe('lenient schema', () => {
  it.each(typedFieldCases)('refuses $description at $path, as the strict one does', ({ event, path }) => {
    const result = lenientWebhookEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });

  it('keeps unknown fields at every level: envelope, payload, invitee, a form answer', () => {
    const event = withUnknownFieldsEverywhere();
    const result = parseWebhookEventLeniently(event);
    expect(result.kind).toBe('event');
    expect(result.kind === 'event' && result.event).toEqual(event);
  });

  it('reports an unknown event name as unknown, not invalid', () => {
    const result = parseWebhookEventLeniently({
      webhookEventName: 'event.rescheduled',
      webhookEventId: 'e1',
      payload: {},
    });
    expect(result).toEqual({ kind: 'unknown', webhookEventName: 'event.rescheduled', webhookEventId: 'e1' });
  });

  it('reports a known event whose fields deviate as deviating, with each path and the payload as sent', () => {
    const event = cloneSample('form.answered') as unknown as Record<string, Record<string, unknown>>;
    event.payload!.answeredAt = '2026-11-20 14:30';
    delete event.payload!.privateTitle;
    const result = parseWebhookEventLeniently(event);
    expect(result.kind).toBe('deviating');
    if (result.kind !== 'deviating') return;
    expect(result.event.payload).toEqual(event.payload);
    expect(result.event.deviations).toEqual([
      { path: 'payload.privateTitle', problem: 'required field missing (expected string)' },
      { path: 'payload.answeredAt', problem: expect.stringContaining('ISO 8601') as string },
    ]);
  });

  it('reports a body without a usable webhookEventId or payload object as invalid, naming the path', () => {
    const noId = { webhookEventName: 'event.confirmed', webhookEventId: 'has space', payload: {} };
    const result = parseWebhookEventLeniently(noId);
    expect(result.kind === 'invalid' && result.message).toContain('webhookEventId');
    const noPayload = { webhookEventName: 'event.confirmed', webhookEventId: 'e1', payload: [] };
    expect(parseWebhookEventLeniently(noPayload).kind).toBe('invalid');
  });

  it('reports a body that is not an object as invalid', () => {
    expect(parseWebhookEventLeniently('hello').kind).toBe('invalid');
    expect(parseWebhookEventLeniently(null).kind).toBe('invalid');
  });
});
