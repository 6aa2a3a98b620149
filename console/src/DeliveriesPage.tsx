import { useEffect, useState, type FormEvent } from 'react';
import { call, eventNames, type DeliveryListAnswer, type ListedDeliveryAnswer } from './api';
import type { PageProps } from './pageProps';
import { localAndUtc, sentDateTime } from './format';
import { PageState } from './PageState';
import { RecoverPanel } from './RecoverPanel';
import { useApi } from './useApi';
import { useWebhookOptions } from './useWebhookOptions';

const statuses = ['pending', 'succeeded', 'failed', 'canceled'] as const;
const emptyFilter = { q: '', event: '', status: '', webhookId: '', since: '', until: '' };
type Filter = typeof emptyFilter;

function listPath(applied: Filter, cursor?: string): string {
  const params = new URLSearchParams();
  if (applied.q.trim()) params.set('q', applied.q.trim());
  if (applied.event) params.set('event', applied.event);
  if (applied.status) params.set('status', applied.status);
  if (applied.webhookId) params.set('webhookId', applied.webhookId);
  if (applied.since) params.set('since', new Date(applied.since).toISOString());
  if (applied.until) params.set('until', new Date(applied.until).toISOString());
  if (cursor !== undefined) params.set('cursor', cursor);
  return `/v1/deliveries?${params.toString()}`;
}

const anyPending = (page: DeliveryListAnswer) => page.data.some((row) => row.status === 'pending');

/** One delivery as a row at full width, as a card on a phone (styles.css), with the booking it is about. */
function DeliveryRow({ t, language, row }: PageProps & { row: ListedDeliveryAnswer }) {
  const { booking } = row;
  return (
    <tr>
      <td data-label={t.deliveries.status}>
        <a href={`#/deliveries/${row.id}`} className={`status ${row.status}`}>
          {t.deliveries.statuses[row.status]}
        </a>
        {row.test && <span className="badge test">{t.deliveries.test}</span>}
      </td>
      <td data-label={t.deliveries.booking}>
        <span className="booking-title">{booking.title ?? t.events[row.eventName]}</span>
        <span className="meta">
          {t.events[row.eventName]}
          {booking.inviteeName !== null && ` · ${booking.inviteeName}`}
          {booking.inviteeEmail !== null && ` <${booking.inviteeEmail}>`}
        </span>
        {booking.startDateTime !== null && (
          <span className="meta">
            {t.deliveries.starts}: {sentDateTime(booking.startDateTime, language, t)}
          </span>
        )}
        <code className="event-id">{row.webhookEventId}</code>
      </td>
      <td data-label={t.deliveries.webhook} className="url">
        {row.url}
      </td>
      <td data-label={t.deliveries.created}>{localAndUtc(row.createdAt, language)}</td>
    </tr>
  );
}

/** Deliveries newest first: searched by event id or invitee email, filtered, paged; pending ones refresh themselves. */
export function DeliveriesPage(props: PageProps) {
  const { t } = props;
  const [filter, setFilter] = useState(emptyFilter);
  const [applied, setApplied] = useState(emptyFilter);
  const firstPage = useApi<DeliveryListAnswer>(listPath(applied), { refreshMs: 2_000, keepRefreshing: anyPending });
  const [later, setLater] = useState<{ rows: ListedDeliveryAnswer[]; cursor: string | null }>();
  useEffect(() => setLater(undefined), [applied]);
  const webhooks = useWebhookOptions();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied(filter);
  };
  const more = async (cursor: string) => {
    const page = await call<DeliveryListAnswer>('GET', listPath(applied, cursor));
    setLater((before) => ({ rows: [...(before?.rows ?? []), ...page.data], cursor: page.nextCursor }));
  };
  const select = (key: keyof Filter, label: string, options: [string, string][]) => (
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
      <form className="filters" onSubmit={submit} role="search">
        <div className="search">
          <label htmlFor="filter-q">{t.deliveries.search}</label>
          <input
            id="filter-q"
            type="search"
            value={filter.q}
            placeholder={t.deliveries.searchHint}
            onChange={(e) => setFilter({ ...filter, q: e.target.value })}
          />
        </div>
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
        {select('webhookId', t.deliveries.webhook, webhooks)}
        {date('since', t.deliveries.since)}
        {date('until', t.deliveries.until)}
        <button type="submit">{t.deliveries.filter}</button>
      </form>
      <RecoverPanel {...props} listed={firstPage.data} onResent={firstPage.reload} />
      <PageState t={t} loaded={firstPage} reload={firstPage.reload}>
        {(page) => {
          const rows = [...page.data, ...(later?.rows ?? [])];
          const cursor = later === undefined ? page.nextCursor : later.cursor;
          return (
            <>
              {rows.length === 0 ? (
                <p>{t.deliveries.none}</p>
              ) : (
                <table className="deliveries">
                  <thead>
                    <tr>
                      <th scope="col">{t.deliveries.status}</th>
                      <th scope="col">{t.deliveries.booking}</th>
                      <th scope="col">{t.deliveries.webhook}</th>
                      <th scope="col">{t.deliveries.created}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((row) => (
                      <DeliveryRow key={row.id} {...props} row={row} />
                    ))}
                  </tbody>
                </table>
              )}
              {cursor !== null && (
                <button type="button" onClick={() => void more(cursor)}>
                  {t.deliveries.more}
                </button>
              )}
            </>
          );
        }}
      </PageState>
    </>
  );
}
