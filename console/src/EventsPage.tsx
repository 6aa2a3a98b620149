import { useEffect, useState } from 'react';
import { call, type EventName } from './api';
import type { PageProps } from './pageProps';

interface Envelope {
  webhookEventName: EventName;
  webhookEventId: string;
  payload: { privateTitle?: string; originalUrl?: string };
}

/** The team's recent events, as Spir sent them. */
type Deviations = Record<string, { path: string; problem: string }[]>;

export function EventsPage({ t }: PageProps) {
  const [events, setEvents] = useState<Envelope[]>();
  const [deviations, setDeviations] = useState<Deviations>({});
  useEffect(() => {
    void call<{ data: Envelope[]; contractDeviations: Deviations }>('GET', '/v1/events?limit=50').then((r) => {
      setEvents(r.data);
      setDeviations(r.contractDeviations);
    });
  }, []);
  return (
    <>
      <h1>{t.recent.title}</h1>
      {events?.length === 0 && <p>{t.recent.none}</p>}
      <ul className="events">
        {events?.map((event) => (
          <li key={event.webhookEventId}>
            <p>
              <strong>{t.events[event.webhookEventName] ?? event.webhookEventName}</strong> {event.payload.privateTitle}
            </p>
            <p className="meta">
              <code>{event.webhookEventId}</code> <span className="url">{event.payload.originalUrl}</span>
            </p>
            {deviations[event.webhookEventId] !== undefined && (
              <div className="deviations">
                <p>{t.delivery.deviationsNote}</p>
                <ul>
                  {deviations[event.webhookEventId]!.map((deviation) => (
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
    </>
  );
}
