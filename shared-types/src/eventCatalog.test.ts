import { describedPaths, eventCatalog, eventTypeOf, webhookEventNames } from './index';

describe('the event catalog', () => {
  it('describes every field of every event type, in Japanese and English', () => {
    for (const type of eventCatalog()) {
      expect(type.fields.length).toBeGreaterThan(3);
      for (const field of type.fields) {
        expect(field.description.ja).not.toBe('');
        expect(field.description.en).not.toBe('');
      }
    }
  });

  it('has no description for a field no schema has', () => {
    const paths = (name: (typeof webhookEventNames)[number]) => eventTypeOf(name).fields.map((field) => field.path);
    const everyPath = new Set(webhookEventNames.flatMap(paths));
    expect(describedPaths.common.filter((path) => !everyPath.has(path))).toEqual([]);
    const formPaths = new Set(paths('form.answered'));
    expect(describedPaths.formAnswered.filter((path) => !formPaths.has(path))).toEqual([]);
  });

  it("marks CONTRACT.md's reconstructed names, and types and required-ness from the schema", () => {
    const canceled = eventTypeOf('event.canceled').fields;
    expect(canceled.find((field) => field.path === 'payload.cancelReason')).toMatchObject({
      type: 'string',
      required: true,
      source: 'reconstructed',
    });
    expect(canceled.find((field) => field.path === 'payload.startDateTime')).toMatchObject({
      type: 'date-time',
      source: 'seen',
    });
    expect(canceled.find((field) => field.path === 'payload.rooms')).toMatchObject({ required: false });
    expect(canceled.find((field) => field.path === 'payload.formAnswers[].answer')).toMatchObject({ type: 'string' });
    const form = eventTypeOf('form.answered').fields.filter((field) => field.path.startsWith('payload.'));
    expect(form.every((field) => field.source === 'reconstructed')).toBe(true);
  });
});
