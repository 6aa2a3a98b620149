import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { buildJsonSchemaFiles, renderJsonSchemaFile } from './jsonSchema';
import { invalidCases } from './testing/invalidCases';
import { samples, webhookEventNames, webhookEventSchema } from './index';

const schemaDir = join(__dirname, '..', 'schema');
const files = buildJsonSchemaFiles();

describe('committed JSON Schema', () => {
  it.each(Object.keys(files))(
    'schema/%s matches the zod schemas (run `npm run build && npm run generate:schema -w shared-types` if not)',
    (file) => {
      const committed = readFileSync(join(schemaDir, file), 'utf8');
      expect(committed).toBe(renderJsonSchemaFile(files[file]!));
    },
  );
});

describe('JSON Schema and zod agree', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validateUnion = ajv.compile(files['webhook-event.json']!);

  it.each(webhookEventNames)('both accept the %s sample, also through its own schema', (name) => {
    expect(validateUnion(samples[name])).toBe(true);
    expect(ajv.compile(files[`${name}.json`]!)(samples[name])).toBe(true);
    expect(webhookEventSchema.safeParse(samples[name]).success).toBe(true);
  });

  it.each(invalidCases)('both strict forms refuse $description', ({ event }) => {
    expect(webhookEventSchema.safeParse(event).success).toBe(false);
    expect(validateUnion(event)).toBe(false);
  });
});
