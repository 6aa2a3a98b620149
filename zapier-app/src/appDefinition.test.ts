import { samples, webhookEventSchema } from '@spir-webhooks/shared-types';
import * as core from 'zapier-platform-core';
import App from './index';

type ValidateCallback = (error: Error | null, answer: { results: unknown[] }) => void;
// Exported by core at run time (the Lambda entry point), not in its type declarations.
const { createAppHandler } = core as unknown as {
  createAppHandler: (app: object) => (event: object, context: object, callback: ValidateCallback) => void;
};

/** What `zapier validate` checks locally, asked through core's public Lambda handler. */
function validationErrors(app: object): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    createAppHandler(app)({ command: 'validate' }, {}, (error, answer) =>
      error ? reject(error) : resolve(answer.results),
    );
  });
}

describe('the app definition', () => {
  it('passes zapier-platform-schema validation', async () => {
    expect(await validationErrors(App)).toEqual([]);
  });

  it('fails that validation when a trigger loses its noun, so the check above can fail', async () => {
    const { noun: _noun, ...withoutNoun } = App.triggers.form_answered!;
    expect(await validationErrors({ ...App, triggers: { ...App.triggers, form_answered: withoutNoun } })).not.toEqual(
      [],
    );
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
