import type { RequestHandler } from 'express';
import { z } from 'zod';
import { operations, type Operation } from './routeCatalog';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a request (its input) or an answer (its output). */
const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return rest;
};

const securityOf: Record<Operation['caller'], object[]> = {
  team: [{ teamApiKey: [] }, { consoleSession: [], csrfToken: [] }],
  internal: [{ internalToken: [] }],
  public: [],
};

function operationObject(operation: Operation): object {
  const parameters = [
    ...[...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    })),
    ...Object.entries(operation.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: !(schema as z.ZodType).safeParse(undefined).success,
      schema: schemaOf(schema as z.ZodType, 'input'),
    })),
  ];
  const responses = Object.fromEntries(
    Object.entries(operation.answers).map(([status, content]) => [
      status,
      {
        description: content === null ? 'No body' : `HTTP ${status}`,
        ...(content === null
          ? {}
          : typeof content === 'string'
            ? { content: { [content]: {} } }
            : { content: { 'application/json': { schema: schemaOf(content, 'output') } } }),
      },
    ]),
  );
  return {
    summary: operation.summary,
    operationId: `${operation.method}${operation.path.replace(/[^a-zA-Z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    security: securityOf[operation.caller],
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(operation.body === undefined
      ? {}
      : {
          requestBody: {
            required: !operation.body.safeParse(undefined).success,
            content: { 'application/json': { schema: schemaOf(operation.body, 'input') } },
          },
        }),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of one listener, generated from the same zod schemas that validate the
 * routes: `team` (the public listener: team API, console, health), `internal` (Spir's core,
 * /metrics), or both in single-port mode.
 */
function openApiDocument(listeners: readonly ('public' | 'internal')[]): object {
  const wanted = operations.filter(
    (operation) =>
      operation.everyListener === true || listeners.includes(operation.caller === 'internal' ? 'internal' : 'public'),
  );
  const paths: Record<string, Record<string, object>> = {};
  for (const operation of wanted) (paths[operation.path] ??= {})[operation.method] = operationObject(operation);
  return {
    openapi: '3.1.0',
    info: {
      title: listeners.includes('public') ? 'Spir webhooks: team API' : "Spir webhooks: internal API (Spir's core)",
      version: '1',
      description: 'Errors: { "error": { "code", "message", "details"? } }. Guide: dispatcher/docs/api.md.',
    },
    paths,
    components: {
      securitySchemes: {
        teamApiKey: { type: 'http', scheme: 'bearer', description: 'A team API key (spk_...)' },
        consoleSession: { type: 'apiKey', in: 'cookie', name: 'spir_console', description: "The console's session" },
        csrfToken: {
          type: 'apiKey',
          in: 'header',
          name: 'x-csrf-token',
          description: 'Required on writes made with the session cookie',
        },
        internalToken: { type: 'http', scheme: 'bearer', description: 'INTERNAL_API_TOKEN' },
      },
    },
  };
}

/** `GET /openapi.json`: the document of the listener that serves it. */
export function openApiRoute(listeners: readonly ('public' | 'internal')[]): RequestHandler {
  const document = JSON.stringify(openApiDocument(listeners));
  return (_req, res) => {
    res.type('application/json').send(document);
  };
}
