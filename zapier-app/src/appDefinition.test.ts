import { samples, webhookEventSchema } from '@spir-webhooks/shared-types';
import * as core from 'zapier-platform-core';
import App from './index';
import type { eventConfirmed } from './triggers/eventConfirmed';

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

  it('has the three hook triggers and the hidden link list, each hook with a labelled output field per sample key', () => {
    expect(Object.keys(App.triggers).sort()).toEqual([
      'availability_links',
      'event_canceled',
      'event_confirmed',
      'form_answered',
    ]);
    expect(App.triggers.availability_links!.display).toMatchObject({ hidden: true });
    for (const key of ['event_confirmed', 'event_canceled', 'form_answered']) {
      const trigger = App.triggers[key] as typeof eventConfirmed;
      expect(trigger.operation.type).toBe('hook');
      expect(trigger.operation.inputFields).toEqual([
        expect.objectContaining({ key: 'availability_link', dynamic: 'availability_links.linkId.privateTitle' }),
      ]);
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
