import { z } from 'zod';
import { eventSchemasByName, webhookEventSchema, webhookEventNames } from './schemas';

/** JSON Schema (draft 2020-12) files generated from the strict zod schemas, by file name. */
export function buildJsonSchemaFiles(): Record<string, object> {
  const files: Record<string, object> = {
    'webhook-event.json': {
      $id: 'https://spir-webhooks.example/schema/webhook-event.json',
      title: 'Spir webhook event',
      ...z.toJSONSchema(webhookEventSchema, { target: 'draft-2020-12' }),
    },
  };
  for (const name of webhookEventNames) {
    files[`${name}.json`] = {
      $id: `https://spir-webhooks.example/schema/${name}.json`,
      title: `Spir webhook event ${name}`,
      ...z.toJSONSchema(eventSchemasByName[name], { target: 'draft-2020-12' }),
    };
  }
  return files;
}

/** The text a committed file must have: stable key order, two-space indent, final newline. */
export function renderJsonSchemaFile(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
