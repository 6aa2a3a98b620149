import { useEffect, useState } from 'react';
import { call, type EventName } from './api';
import type { PageProps } from './pageProps';

interface Envelope {
  webhookEventName: EventName;
  webhookEventId: string;
  payload: { privateTitle?: string; originalUrl?: string };
}

/** The team's recent events, as Spir sent them. */
export function EventsPage({ t }: PageProps) {
  const [events, setEvents] = useState<Envelope[]>();
  useEffect(() => {
    void call<{ data: Envelope[] }>('GET', '/v1/events?limit=50').then((r) => setEvents(r.data));
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
