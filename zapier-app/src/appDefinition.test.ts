import { samples, webhookEventSchema } from '@spir-webhooks/shared-types';
// The same checks `zapier validate` runs locally: the core's function cleaner, then the schema.
const { compileApp, validateApp } = require('zapier-platform-core/src/tools/schema') as {
  compileApp: (app: object) => object;
  validateApp: (app: object) => unknown[];
};
import App from './index';

describe('the app definition', () => {
  it('passes zapier-platform-schema validation', () => {
    expect(validateApp(compileApp({ ...App, triggers: { ...App.triggers } }))).toEqual([]);
  });

  it('has exactly the three hook triggers, each with a sample and a labelled output field for every sample key', () => {
    expect(Object.keys(App.triggers).sort()).toEqual(['event_canceled', 'event_confirmed', 'form_answered']);
    for (const trigger of Object.values(App.triggers)) {
      expect(trigger.operation.type).toBe('hook');
      const { sample, outputFields } = trigger.operation;
      expect(sample.id).toEqual(expect.any(String));
      const keys = outputFields.map((field) => field.key);
      for (const [key, value] of Object.entries(sample)) {
        if (Array.isArray(value))
          for (const sub of Object.keys(value[0] ?? {})) expect(keys).toContain(`${key}[]${sub}`);
        else expect(keys).toContain(key);
      }
      expect(outputFields.every((field) => field.label.length > 0)).toBe(true);
    }
  });

  it("builds its samples from the shared contract's samples", () => {
    expect(App.triggers.form_answered!.operation.sample.id).toBe(samples['form.answered'].webhookEventId);
    expect(webhookEventSchema.safeParse(samples['form.answered']).success).toBe(true);
  });
});
