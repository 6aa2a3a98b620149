import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Router } from 'express';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createApps } from '../app';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

// The OpenAPI documents against the code: every route the routers hold is documented, and real
// answers of the running dispatcher match the schemas documented for them.

interface Document {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
}

let dispatcher: TestDispatcher;
let teamDocument: Document;
let internalDocument: Document;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

beforeAll(async () => {
  dispatcher = await startTestDispatcher({ RETRY_INTERVAL_SECONDS: '60' }, { lookup: async () => [] });
  teamDocument = (await (await fetch(`${dispatcher.url}/openapi.json`)).json()) as Document;
  internalDocument = (await (await fetch(`${dispatcher.internalUrl}/openapi.json`)).json()) as Document;
});

afterAll(() => dispatcher.close());

type Layer = {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string;
};

/** Every `METHOD /path` a router holds, nested routers included, in OpenAPI's `{param}` form. */
function routesOf(router: Router): string[] {
  const walk = (stack: Layer[], prefix: string): string[] =>
    stack.flatMap((layer) => {
      if (layer.route !== undefined) {
        const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
        return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
      }
      const inner = layer.handle.stack;
      return inner === undefined ? [] : walk(inner, prefix + (layer.rawPath === '/' ? '' : (layer.rawPath ?? '')));
    });
  return walk((router as unknown as { stack: Layer[] }).stack, '');
}

const documented = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
  );

describe('the OpenAPI documents', () => {
  it('are OpenAPI 3.1, and every schema in them compiles as JSON Schema 2020-12', () => {
    for (const document of [teamDocument, internalDocument]) {
      expect(document.openapi).toBe('3.1.0');
      for (const methods of Object.values(document.paths))
        for (const operation of Object.values(methods))
          for (const response of Object.values(operation.responses))
            for (const media of Object.values(response.content ?? {}))
              if (media.schema !== undefined) expect(() => ajv.compile(media.schema!)).not.toThrow();
    }
  });

  it('document every route each listener holds', () => {
    const apps = createApps(
      dispatcher.context,
      'x'.repeat(40),
      () => undefined,
      () => '',
      { internalUrl: () => '', tokenPath: undefined },
    );
    const publicDocumented = new Set(documented(teamDocument));
    const internalDocumented = new Set(documented(internalDocument));
    expect(routesOf(apps.public.router).filter((route) => !publicDocumented.has(route))).toEqual([]);
    expect(routesOf(apps.internal!.router).filter((route) => !internalDocumented.has(route))).toEqual([]);
  });

  it('document every route in single-port mode, where one listener serves both', () => {
    const config = { ...dispatcher.context.config, internalListener: undefined };
    const apps = createApps(
      { ...dispatcher.context, config },
      'x'.repeat(40),
      () => undefined,
      () => '',
      { internalUrl: () => '', tokenPath: undefined },
    );
    const both = new Set([...documented(teamDocument), ...documented(internalDocument)]);
    expect(routesOf(apps.public.router).filter((route) => !both.has(route))).toEqual([]);
  });
});

describe('real answers', () => {
  const failures: string[] = [];

  /** Calls the dispatcher and checks the answer against the documented schema of its route and status. */
  async function checked(
    method: string,
    path: string,
    template: string,
    options: Parameters<TestDispatcher['call']>[2] = {},
  ) {
    const answer = await dispatcher.call(method, path, options);
    const document = template.startsWith('/internal/') ? internalDocument : teamDocument;
    const response = document.paths[template]?.[method.toLowerCase()]?.responses[String(answer.status)];
    if (response === undefined) {
      failures.push(`${method} ${path}: ${answer.status} is not documented`);
      return answer;
    }
    const schema = response.content?.['application/json']?.schema;
    if (schema !== undefined && !ajv.validate(schema, answer.body)) {
      failures.push(`${method} ${path} ${answer.status}: ${ajv.errorsText()}`);
    }
    return answer;
  }

  it('match the documented schemas, route by route, refusals included', async () => {
    await checked('PUT', '/internal/v1/teams/docs', '/internal/v1/teams/{teamId}', {
      body: { name: 'Docs', adminEmails: ['a@example.com'] },
    });
    const key = await checked('POST', '/internal/v1/teams/docs/api-keys', '/internal/v1/teams/{teamId}/api-keys', {
      body: { label: 'ci' },
    });
    const token = key.body.apiKey as string;
    await checked('GET', '/internal/v1/teams/docs/api-keys', '/internal/v1/teams/{teamId}/api-keys');
    await checked('POST', '/internal/v1/teams/docs/console-links', '/internal/v1/teams/{teamId}/console-links');
    await checked('GET', '/v1/me', '/v1/me', { token });
    await checked('GET', '/v1/me', '/v1/me', { token: 'spk_wrong' });
    const webhook = await checked('POST', '/v1/webhooks', '/v1/webhooks', {
      token,
      body: { url: 'https://hooks.example.com/docs', event: 'event.canceled' },
    });
    await checked('POST', '/v1/webhooks', '/v1/webhooks', {
      token,
      body: { url: 'http://10.0.0.1/x', event: 'event.canceled' },
    });
    const id = webhook.body.id as string;
    await checked('GET', '/v1/webhooks', '/v1/webhooks', { token });
    await checked('GET', '/v1/webhooks?health=false', '/v1/webhooks', { token });
    await checked('GET', '/v1/webhooks?health=maybe', '/v1/webhooks', { token });
    await checked('GET', `/v1/webhooks/${id}`, '/v1/webhooks/{id}', { token });
    await checked('GET', '/v1/webhooks/wh_nothing', '/v1/webhooks/{id}', { token });
    await checked('GET', `/v1/webhooks/${id}/secret`, '/v1/webhooks/{id}/secret', { token });
    await checked('POST', `/v1/webhooks/${id}/rotate-secret`, '/v1/webhooks/{id}/rotate-secret', { token, body: {} });
    await checked('GET', '/v1/webhook-url-check?url=https://ok.example.com/x', '/v1/webhook-url-check', { token });
    await checked('GET', '/v1/webhook-url-check?url=http://localhost/x', '/v1/webhook-url-check', { token });
    const { cancelReason: _dropped, ...payload } = cloneSample('event.canceled').payload;
    const ingested = await checked('POST', '/internal/v1/events', '/internal/v1/events', {
      body: { teamId: 'docs', urlKind: 'template', event: { ...cloneSample('event.canceled'), payload } },
    });
    await checked('POST', '/internal/v1/events', '/internal/v1/events', { body: { teamId: 'docs' } });
    await checked('GET', '/internal/v1/contract/observed', '/internal/v1/contract/observed');
    await checked('GET', '/v1/events?name=event.canceled', '/v1/events', { token });
    await checked('GET', '/v1/availability-links', '/v1/availability-links', { token });
    await checked('GET', '/v1/deliveries', '/v1/deliveries', { token });
    const deliveryId = ingested.body.deliveries[0] as string;
    await checked('GET', `/v1/deliveries/${deliveryId}`, '/v1/deliveries/{id}', { token });
    await checked('POST', `/v1/deliveries/${deliveryId}/resend`, '/v1/deliveries/{id}/resend', { token });
    await checked('DELETE', '/internal/v1/teams/docs/console-sessions', '/internal/v1/teams/{teamId}/console-sessions');
    await checked('DELETE', `/v1/webhooks/${id}`, '/v1/webhooks/{id}', { token });
    expect(failures).toEqual([]);
  });
});
