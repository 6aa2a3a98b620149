import { z } from 'zod';
import { eventSchemasByName, webhookEventNames, type WebhookEventName } from './schemas';
import { samples } from './samples';
import { describeField, type FieldSource } from './fieldDescriptions';

interface JsonSchemaNode {
  type?: string;
  format?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
}

export const eventFieldSchema = z.object({
  path: z.string().describe('payload.invitee.email; array items as []'),
  type: z.string().describe('string, date-time, object, string[], object[], …'),
  required: z.boolean(),
  description: z.object({ ja: z.string(), en: z.string() }),
  source: z.enum(['seen', 'reconstructed']).describe("seen in Spir's traffic, or a name we reconstructed"),
});
export const eventTypeSchema = z.object({
  name: z.enum(webhookEventNames),
  fields: z.array(eventFieldSchema),
  sample: z.record(z.string(), z.unknown()),
  jsonSchema: z.record(z.string(), z.unknown()),
});
export const eventTypesAnswer = z.object({ data: z.array(eventTypeSchema) });
export type EventField = z.infer<typeof eventFieldSchema>;
export type EventType = z.infer<typeof eventTypeSchema>;
export type EventTypesAnswer = z.infer<typeof eventTypesAnswer>;

function typeName(node: JsonSchemaNode): string {
  if (node.type === 'array') return `${node.items?.type === undefined ? 'unknown' : typeName(node.items)}[]`;
  if (node.type === 'object' && node.properties === undefined) return 'object of strings';
  if (node.format === 'date-time') return 'date-time';
  return node.type ?? 'unknown';
}

/** Every field of a schema, depth first, as the catalog lists them. */
function fieldsOf(node: JsonSchemaNode, prefix: string, into: Omit<EventField, 'description' | 'source'>[]): void {
  const object = node.type === 'array' ? node.items : node;
  const base = node.type === 'array' ? `${prefix}[]` : prefix;
  for (const [key, child] of Object.entries(object?.properties ?? {})) {
    const path = base === '' ? key : `${base}.${key}`;
    into.push({ path, type: typeName(child), required: object?.required?.includes(key) ?? false });
    fieldsOf(child, path, into);
  }
}

/** One event type for people: fields with what they mean and where the name comes from, a sample, the JSON Schema. */
export function eventTypeOf(name: WebhookEventName): EventType {
  const jsonSchema = z.toJSONSchema(eventSchemasByName[name], { target: 'draft-2020-12' }) as Record<string, unknown>;
  const found: Omit<EventField, 'description' | 'source'>[] = [];
  fieldsOf(jsonSchema, '', found);
  const fields = found.map((field) => {
    const described = describeField(name, field.path);
    if (described === undefined)
      throw new Error(`${name}: the field ${field.path} has no description in fieldDescriptions.ts`);
    const source: FieldSource = described.source;
    return { ...field, description: { ja: described.ja, en: described.en }, source };
  });
  return { name, fields, sample: samples[name], jsonSchema };
}

export const eventCatalog = (): EventType[] => webhookEventNames.map(eventTypeOf);
