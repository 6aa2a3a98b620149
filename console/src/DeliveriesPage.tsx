import { useEffect, useState, type FormEvent } from 'react';
import { call, eventNames, type Delivery, type Webhook } from './api';
import type { PageProps } from './pageProps';
import { localAndUtc } from './format';
import { RecoverPanel } from './RecoverPanel';

const statuses = ['pending', 'succeeded', 'failed', 'canceled'] as const;

/** Deliveries newest first, filtered by event, status, webhook and date, with paging. */
export function DeliveriesPage({ t, language }: PageProps) {
  const [filter, setFilter] = useState({ event: '', status: '', webhookId: '', since: '', until: '' });
  const [applied, setApplied] = useState(filter);
  const [rows, setRows] = useState<Delivery[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [webhooks, setWebhooks] = useState<Webhook[]>([]);

  const query = (after: string | null) => {
    const params = new URLSearchParams();
    if (applied.event) params.set('event', applied.event);
    if (applied.status) params.set('status', applied.status);
    if (applied.webhookId) params.set('webhookId', applied.webhookId);
    if (applied.since) params.set('since', new Date(applied.since).toISOString());
    if (applied.until) params.set('until', new Date(applied.until).toISOString());
    if (after) params.set('cursor', after);
    return `/v1/deliveries?${params.toString()}`;
  };
  const load = async (after: string | null) => {
    const page = await call<{ data: Delivery[]; nextCursor: string | null }>('GET', query(after));
    setRows((before) => (after === null ? page.data : [...before, ...page.data]));
    setCursor(page.nextCursor);
  };
  useEffect(() => {
    void load(null);
  }, [applied]);
  useEffect(() => {
    void call<{ data: Webhook[] }>('GET', '/v1/webhooks').then((r) => setWebhooks(r.data));
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(filter);
  };
  const select = (key: keyof typeof filter, label: string, options: [string, string][]) => (
    <div>
      <label htmlFor={`filter-${key}`}>{label}</label>
      <select
        id={`filter-${key}`}
        value={filter[key]}
        onChange={(e) => setFilter({ ...filter, [key]: e.target.value })}
      >
        <option value="">{t.deliveries.all}</option>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
  const date = (key: 'since' | 'until', label: string) => (
    <div>
      <label htmlFor={`filter-${key}`}>{label}</label>
      <input
        id={`filter-${key}`}
        type="date"
        value={filter[key]}
        onChange={(e) => setFilter({ ...filter, [key]: e.target.value })}
      />
    </div>
  );
  return (
    <>
      <h1>{t.deliveries.title}</h1>
      <form className="filters" onSubmit={submit}>
        {select(
          'event',
          t.deliveries.event,
          eventNames.map((name) => [name, t.events[name]]),
        )}
        {select(
          'status',
          t.deliveries.status,
          statuses.map((status) => [status, t.deliveries.statuses[status]]),
        )}
        {select(
          'webhookId',
          t.deliveries.webhook,
          webhooks.map((webhook) => [webhook.id, webhook.url]),
        )}
        {date('since', t.deliveries.since)}
        {date('until', t.deliveries.until)}
        <button type="submit">{t.deliveries.filter}</button>
      </form>
      <RecoverPanel t={t} language={language} onResent={() => void load(null)} />
      {rows.length === 0 ? (
        <p>{t.deliveries.none}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t.deliveries.status}</th>
              <th scope="col">{t.deliveries.event}</th>
              <th scope="col">{t.deliveries.webhook}</th>
              <th scope="col">{t.deliveries.created}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>
                  <a href={`#/deliveries/${row.id}`} className={`status ${row.status}`}>
                    {t.deliveries.statuses[row.status]}
                  </a>
                </td>
                <td>
                  {t.events[row.eventName]} <code>{row.webhookEventId}</code>
                </td>
                <td className="url">{row.url}</td>
                <td>{localAndUtc(row.createdAt, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor !== null && (
        <button type="button" onClick={() => void load(cursor)}>
          {t.deliveries.more}
        </button>
      )}
    </>
  );
}
