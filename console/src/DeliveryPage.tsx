import { useEffect, useState } from 'react';
import { ApiProblem, call, type DeliveryDetail } from './api';
import type { PageProps } from './pageProps';
import { localAndUtc, redactedHeaders } from './format';

/** The body as sent, indented for reading when it is JSON (the bytes sent are in the API). */
function readable(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** One delivery: every attempt on a timeline, what was sent and what came back, and Resend. */
export function DeliveryPage({ t, language, id }: PageProps & { id: string }) {
  const [delivery, setDelivery] = useState<DeliveryDetail | 'not_found'>();
  const [notice, setNotice] = useState<string>();
  const load = async () => {
    try {
      setDelivery(await call<DeliveryDetail>('GET', `/v1/deliveries/${encodeURIComponent(id)}?lang=${language}`));
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 404) setDelivery('not_found');
      else throw error;
    }
  };
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 2_000);
    return () => clearInterval(timer);
  }, [id, language]);

  const back = <a href="#/deliveries">← {t.delivery.back}</a>;
  if (delivery === undefined) return back;
  if (delivery === 'not_found')
    return (
      <>
        {back}
        <h1>{t.delivery.notFound}</h1>
      </>
    );
  const resend = async () => {
    try {
      await call('POST', `/v1/deliveries/${delivery.id}/resend`);
      setNotice(t.delivery.resent);
      await load();
    } catch (error) {
      setNotice(error instanceof ApiProblem ? error.message : t.errors.generic);
    }
  };
  return (
    <>
      {back}
      <h1>
        {t.events[delivery.eventName]} <code>{delivery.webhookEventId}</code>
      </h1>
      <p>
        <span className={`status ${delivery.status}`}>{t.deliveries.statuses[delivery.status]}</span>{' '}
        <span className="url">{delivery.url}</span>
      </p>
      {delivery.cancelReason !== null && (
        <p>
          {t.delivery.cancelReason}: {delivery.cancelReason}
        </p>
      )}
      {delivery.nextAttemptAt !== null && (
        <p>
          {t.delivery.nextRetry}: {localAndUtc(delivery.nextAttemptAt, language)}
        </p>
      )}
      <p>
        <button type="button" onClick={() => void resend()} disabled={delivery.status === 'pending'}>
          {t.delivery.resend}
        </button>
      </p>
      {notice !== undefined && <p role="status">{notice}</p>}
      {delivery.contractDeviations.length > 0 && (
        <section className="deviations" aria-labelledby="deviations-title">
          <h2 id="deviations-title">{t.delivery.deviations}</h2>
          <p>{t.delivery.deviationsNote}</p>
          <ul>
            {delivery.contractDeviations.map((deviation) => (
              <li key={deviation.path}>
                <code>{deviation.path}</code>: {deviation.problem}
              </li>
            ))}
          </ul>
        </section>
      )}
      <ol className="timeline">
        {delivery.attempts.map((attempt) => (
          <li key={`${attempt.round}-${attempt.attempt}`} className={attempt.outcome}>
            <h2>
              {t.delivery.round(attempt.round)} · {t.delivery.attempt(attempt.attempt)} ·{' '}
              {localAndUtc(attempt.startedAt, language)}
            </h2>
            <p className="summary">{attempt.summary}</p>
            <p>
              {t.delivery.duration}: {Math.round(attempt.durationMs)} ms
            </p>
            <details>
              <summary>{t.delivery.request}</summary>
              <dl>
                {redactedHeaders(attempt.request.headers).map(([name, value]) => (
                  <div key={name}>
                    <dt>{name}</dt>
                    <dd>{value}</dd>
                  </div>
                ))}
              </dl>
            </details>
            {attempt.response !== null ? (
              <div>
                <h3>
                  {t.delivery.response}: HTTP {attempt.response.status}
                </h3>
                <pre className="body">{attempt.response.body}</pre>
              </div>
            ) : (
              <p>
                {t.delivery.error}: <code>{attempt.error?.code}</code> {attempt.error?.message}
              </p>
            )}
          </li>
        ))}
      </ol>
      <h2>{t.delivery.body}</h2>
      <pre className="body">{readable(delivery.request.body)}</pre>
    </>
  );
}
