import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';

// The alert rules and the dashboard name metrics by hand: each must be one /metrics exports, or
// an alert would never fire and a panel would stay empty. (promtool checks and tests the rules
// themselves in CI: .ci/run.)
const opsFolder = join(__dirname, '..', '..', '..', 'ops');
const files = {
  'ops/prometheus/alerts.yml': readFileSync(join(opsFolder, 'prometheus', 'alerts.yml'), 'utf8'),
  'ops/grafana/dispatcher.json': readFileSync(join(opsFolder, 'grafana', 'dispatcher.json'), 'utf8'),
};
/** Series Prometheus makes itself, not the dispatcher. */
const prometheusOwn = new Set(['up']);

function metricNames(text: string): string[] {
  const names = text.match(/\b(?:spir_webhook|process|nodejs)_[a-z_]+\b/g) ?? [];
  return [...new Set(names.map((name) => name.replace(/_(bucket|count|sum)$/, '')))];
}

let dispatcher: TestDispatcher;
let exported: Set<string>;

beforeAll(async () => {
  dispatcher = await startTestDispatcher({}, { lookup: async () => [] });
  const text = await (await fetch(`${dispatcher.internalUrl}/metrics`)).text();
  exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]!));
});

afterAll(() => dispatcher.close());

it.each(Object.entries(files))('%s names only metrics that /metrics exports', (_file, text) => {
  const named = metricNames(text).filter((name) => !prometheusOwn.has(name));
  expect(named.length).toBeGreaterThan(3);
  expect(named.filter((name) => !exported.has(name))).toEqual([]);
});

it('exports the gauges the alerts read, with their values', async () => {
  const text = await (await fetch(`${dispatcher.internalUrl}/metrics`)).text();
  expect(text).toMatch(/^spir_webhook_store_up 1$/m);
  expect(text).toMatch(/^spir_webhook_oldest_due_delivery_age_seconds 0$/m);
  expect(text).toMatch(/^spir_webhook_failure_emails_pending 0$/m);
});

it('reads the store as down, without failing the scrape, once the store is gone', async () => {
  await dispatcher.store.close();
  const response = await fetch(`${dispatcher.internalUrl}/metrics`);
  expect(response.status).toBe(200);
  const body = await response.text();
  expect(body).toMatch(/^spir_webhook_store_up 0$/m);
});
