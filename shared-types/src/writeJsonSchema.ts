import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildJsonSchemaFiles, renderJsonSchemaFile } from './jsonSchema';

// Regenerates shared-types/schema/*.json; run after changing schemas.ts, then commit the result.
const schemaDir = join(__dirname, '..', 'schema');
mkdirSync(schemaDir, { recursive: true });
for (const [file, schema] of Object.entries(buildJsonSchemaFiles())) {
  writeFileSync(join(schemaDir, file), renderJsonSchemaFile(schema));
  console.log(`wrote schema/${file}`);
}
