import type { EventsAnswer } from './api';
import { PageState } from './PageState';
import type { PageProps } from './pageProps';
import { eventLabel } from './i18n';
import { useApi } from './useApi';
import { sentText } from './format';

interface Envelope {
  webhookEventName: string;
  webhookEventId: string;
  payload: { originalUrl?: unknown };
}

/** The team's recent events, as Spir sent them, with where any differs from the typed contract. */
export function EventsPage({ t }: PageProps) {
  const events = useApi<EventsAnswer>('/v1/events?limit=50');
  return (
    <>
      <h1>{t.recent.title}</h1>
      <PageState t={t} loaded={events} reload={events.reload}>
        {({ data, contractDeviations, bookings }) =>
          data.length === 0 ? (
            <p>{t.recent.none}</p>
          ) : (
            <ul className="events">
              {(data as Envelope[]).map((event) => (
                <li key={event.webhookEventId}>
                  <p>
                    <strong>{eventLabel(t, event.webhookEventName)}</strong>{' '}
                    {/* The dispatcher's one rule for a booking's title, as on the deliveries page. */}
                    <span className="booking-title">{bookings[event.webhookEventId]?.title}</span>
                  </p>
                  <p className="meta">
                    <code>{event.webhookEventId}</code>{' '}
                    <span className="url">
                      {event.payload.originalUrl !== undefined && sentText(event.payload.originalUrl, t)}
                    </span>
                  </p>
                  {contractDeviations[event.webhookEventId] !== undefined && (
                    <div className="deviations">
                      <p>{t.delivery.deviationsNote}</p>
                      <ul>
                        {contractDeviations[event.webhookEventId]!.map((deviation) => (
                          <li key={deviation.path}>
                            <code>{deviation.path}</code>: {deviation.problem}
                          </li>
                        ))}
                      </ul>
                    </div>
                  )}
                  <details>
                    <summary>JSON</summary>
                    <pre className="body">{JSON.stringify(event, null, 2)}</pre>
                  </details>
                </li>
              ))}
            </ul>
          )
        }
      </PageState>
    </>
  );
}
