import { samples, type WebhookEventName } from '@spir-webhooks/shared-types';
import { internalToken, startDispatcherRig, type DispatcherRig } from '../testing/dispatcherRig';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';

interface Malformed {
  kind: string;
  body: Buffer | string;
  contentType: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value in a sample envelope. */
function paths(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, child]) => paths(child, [...prefix, key]))].filter((p) => p.length > 0);
}

function withChange(
  name: WebhookEventName,
  path: string[],
  change: (parent: Record<string, Json>, key: string) => void,
): string {
  const wrapper = {
    teamId: 't1',
    urlKind: 'template',
    event: structuredClone(samples[name]),
  } as Record<string, Json>;
  let parent = wrapper.event as Record<string, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, Json>;
  change(parent, path[path.length - 1]!);
  return JSON.stringify(wrapper);
}

// Fields the contract lets Spir leave out; every UTM parameter is optional.
const optionalPaths = [
  'payload.rooms',
  'payload.utmParameters',
  'payload.invitee.language',
  'payload.onlineMeeting.password',
];
const isOptional = (path: string[]) => optionalPaths.includes(path.join('.')) || path.includes('utmParameters');

/**
 * What breaks the deliverable envelope (CONTRACT.md: no event name string, no usable id, no
 * payload object) is refused; what breaks only the typed contract is a deviation, taken.
 */
const breaksEnvelope = (path: string[]) =>
  path[0] === 'webhookEventName' || path[0] === 'webhookEventId' || (path[0] === 'payload' && path.length === 1);

/** Bodies that break the typed contract but not the envelope, each with its own id: taken and flagged. */
function generateDeviations(): { kind: string; path: string; body: string }[] {
  const deviations: { kind: string; path: string; body: string }[] = [];
  for (const name of Object.keys(samples) as WebhookEventName[]) {
    for (const path of paths(samples[name] as unknown as Json)) {
      if (breaksEnvelope(path) || /^\d+$/.test(path[path.length - 1]!) || isOptional(path)) continue;
      const id = `deviation-${deviations.length}`;
      deviations.push({
        kind: `missing ${name} ${path.join('.')}`,
        path: path.join('.'),
        body: withChange(name, path, (parent, key) => {
          delete parent[key];
        }).replace(samples[name].webhookEventId, id),
      });
    }
  }
  return deviations;
}

function generate(): Malformed[] {
  const bodies: Malformed[] = [];
  const json = (kind: string, body: string) => bodies.push({ kind, body, contentType: 'application/json' });
  const wrongValues: Json[] = [42, null, true, [], {}, 'x'];
  for (const name of Object.keys(samples) as WebhookEventName[]) {
    const all = paths(samples[name] as unknown as Json);
    for (const path of all.filter(breaksEnvelope)) {
      const original = path.reduce<Json>(
        (v, key) => (v as Record<string, Json>)[key]!,
        samples[name] as unknown as Json,
      );
      for (const wrong of wrongValues) {
        if (
          typeof wrong === typeof original &&
          Array.isArray(wrong) === Array.isArray(original) &&
          (wrong === null) === (original === null)
        )
          continue;
        // A record of strings takes any object: {} is as right as the sample's UTM parameters.
        if (path.join('.') === 'payload.utmParameters' && !Array.isArray(wrong) && typeof wrong === 'object') continue;
        json(
          `wrong type at ${path.join('.')}`,
          withChange(name, path, (parent, key) => {
            parent[key] = wrong;
          }),
        );
      }
      if (!/^\d+$/.test(path[path.length - 1]!) && !isOptional(path)) {
        json(
          `missing ${path.join('.')}`,
          withChange(name, path, (parent, key) => {
            delete parent[key];
          }),
        );
      }
    }
    // Over the 256 KiB ingest limit wherever it sits: 413.
    for (const field of ['webhookEventId', 'payload.originalUrl', 'payload.privateTitle']) {
      json(
        `huge string at ${field}`,
        withChange(name, field.split('.'), (parent, key) => {
          parent[key] = 'x'.repeat(300_000);
        }),
      );
    }
    const deep = withChange(name, ['payload', 'formAnswers'], (parent, key) => {
      parent[key] = '__deep__';
    });
    json('deep nesting', deep.replace('"__deep__"', `${'['.repeat(5_000)}${']'.repeat(5_000)}`));
    const text = JSON.stringify({ teamId: 't1', urlKind: 'template', event: samples[name] });
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      '',
    ]) {
      bodies.push({ kind: `content type ${contentType || 'none'}`, body: text, contentType });
    }
    const bytes = Buffer.from(text);
    const at = bytes.indexOf(Buffer.from('payload'));
    bodies.push({
      kind: 'invalid UTF-8',
      body: Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), bytes.subarray(at)]),
      contentType: 'application/json',
    });
    const titleAt = bytes.indexOf(Buffer.from('"privateTitle":"')) + 16;
    bodies.push({
      kind: 'invalid UTF-8 inside a string',
      body: Buffer.concat([bytes.subarray(0, titleAt), Buffer.from([0xc3, 0x28]), bytes.subarray(titleAt)]),
      contentType: 'application/json',
    });
    json('truncated JSON', text.slice(0, text.length / 2));
    json('JSON array', `[${text}]`);
  }
  for (let i = 0; bodies.length < 1_000; i++) {
    const name = (Object.keys(samples) as WebhookEventName[])[i % 3]!;
    // Unknown fields are accepted (known fields typed, unknown kept); an id that cannot travel
    // as a header is not: a control character, a space or a non-ASCII one.
    json(
      `webhookEventId that cannot be a header ${i}`,
      withChange(name, ['webhookEventId'], (parent, key) => {
        parent[key] = `evt${['\r\n', ' ', '\u0001', 'é', '\t'][i % 5]}${i}`;
      }),
    );
  }
  return bodies.slice(0, 1_000);
}

// The same bodies against each engine: SQLite, and PostgreSQL on a throwaway cluster (mandatory in CI).
const engines: string[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(engines)('on %s', (engine) => {
  let rig: DispatcherRig;
  let apiKey: string;
  let postgres: TestPostgres | undefined;

  beforeAll(async () => {
    let env: Record<string, string> = {};
    if (engine === 'postgres') {
      postgres = await startTestPostgres();
      env = { DATABASE_URL: await postgres.createDatabase('malformed') };
    }
    rig = await startDispatcherRig(env);
    apiKey = await rig.addTeam();
  });

  afterAll(async () => {
    await rig.close();
    postgres?.stop();
  });

  it('answers 1,000 malformed ingest bodies with a 4xx each, stays up, and stores nothing', async () => {
    const bodies = generate();
    expect(bodies).toHaveLength(1_000);
    const statuses = new Map<number, number>();
    const not4xx: string[] = [];
    for (const { kind, body, contentType } of bodies) {
      const headers: Record<string, string> = { authorization: `Bearer ${internalToken}` };
      if (contentType !== '') headers['content-type'] = contentType;
      const response = await fetch(`${rig.dispatcher.internalUrl}/internal/v1/events`, {
        method: 'POST',
        headers,
        body,
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status < 400 || response.status >= 500) not4xx.push(`${kind}: ${response.status}`);
    }
    expect(not4xx).toEqual([]);
    expect((await fetch(`${rig.dispatcher.url}/healthz`)).status).toBe(200);
    expect(rig.dispatcher.child.exitCode).toBeNull();
    expect(await rig.dispatcher.call('GET', '/v1/events?limit=100', undefined, apiKey)).toEqual({
      data: [],
      contractDeviations: {},
      bookings: {},
    });
    expect(await rig.dispatcher.call('GET', '/v1/deliveries', undefined, apiKey)).toEqual({
      data: [],
      nextCursor: null,
    });
    console.log(
      `malformed ingest on ${engine}: ${bodies.length} bodies; answers ${[...statuses]
        .sort()
        .map(([status, n]) => `${status}×${n}`)
        .join(', ')}; nothing stored, process up`,
    );
  });

  it('takes every body that breaks only the typed contract: 202 naming the missing field', async () => {
    const deviations = generateDeviations();
    expect(deviations.length).toBeGreaterThan(30);
    const wrong: string[] = [];
    for (const { kind, path, body } of deviations) {
      const response = await fetch(`${rig.dispatcher.internalUrl}/internal/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${internalToken}`, 'content-type': 'application/json' },
        body,
      });
      const answer = (await response.json()) as { contractDeviations?: { path: string }[] };
      const flagged = answer.contractDeviations?.map((d) => d.path) ?? [];
      if (response.status !== 202 || !flagged.includes(path))
        wrong.push(`${kind}: ${response.status} ${flagged.join()}`);
    }
    expect(wrong).toEqual([]);
    expect(rig.dispatcher.child.exitCode).toBeNull();
  });
});
