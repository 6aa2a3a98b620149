import { useState } from 'react';
import { problemMessage, call, type DeliveryDetailAnswer } from './api';
import { AttemptTimeline } from './AttemptTimeline';
import type { PageProps } from './pageProps';
import { eventLabel } from './i18n';
import { localAndUtc, sentDateTime } from './format';
import { useApi } from './useApi';
import { PageState } from './PageState';

/** The body as sent, indented for reading when it is JSON (the bytes sent are in the API). */
function readable(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** One delivery: the booking, every attempt newest first, what was sent and what came back, and Resend. */
export function DeliveryPage({ t, language, id }: PageProps & { id: string }) {
  const delivery = useApi<DeliveryDetailAnswer>(`/v1/deliveries/${encodeURIComponent(id)}?lang=${language}`, {
    refreshMs: 2_000,
    keepRefreshing: (answer) => answer.status === 'pending',
  });
  const [notice, setNotice] = useState<string>();

  const back = <a href="#/deliveries">← {t.delivery.back}</a>;
  if (delivery.state === 'failed' && delivery.problem.status === 404)
    return (
      <>
        {back}
        <h1>{t.delivery.notFound}</h1>
      </>
    );
  const resend = async (deliveryId: string) => {
    try {
      await call('POST', `/v1/deliveries/${deliveryId}/resend`);
      setNotice(t.delivery.resent);
      delivery.reload();
    } catch (error) {
      setNotice(problemMessage(error, t.errors.generic));
    }
  };
  return (
    <>
      {back}
      <PageState t={t} loaded={delivery} reload={delivery.reload}>
        {(shown) => (
          <>
            <h1>{shown.booking.title ?? eventLabel(t, shown.eventName)}</h1>
            <p className="meta">
              {eventLabel(t, shown.eventName)} · <code>{shown.webhookEventId}</code>
              {shown.booking.inviteeName !== null && ` · ${shown.booking.inviteeName}`}
              {shown.booking.inviteeEmail !== null && ` <${shown.booking.inviteeEmail}>`}
            </p>
            {shown.booking.startDateTime !== null && (
              <p className="meta">
                {t.deliveries.starts}: {sentDateTime(shown.booking.startDateTime, language, t)}
              </p>
            )}
            <p>
              <span className={`status ${shown.status}`}>{t.deliveries.statuses[shown.status]}</span>
              {shown.test && <span className="badge test">{t.deliveries.test}</span>}{' '}
              <span className="url">{shown.url}</span>
            </p>
            {shown.cancelReason !== null && (
              <p>
                {t.delivery.cancelReason}: {shown.cancelReason}
              </p>
            )}
            {shown.nextAttemptAt !== null && (
              <p>
                {t.delivery.nextRetry}: {localAndUtc(shown.nextAttemptAt, language)}
              </p>
            )}
            {shown.test ? (
              <p className="hint">{t.delivery.testNotResent}</p>
            ) : (
              <p>
                <button type="button" onClick={() => void resend(shown.id)} disabled={shown.status === 'pending'}>
                  {t.delivery.resend}
                </button>
              </p>
            )}
            {notice !== undefined && <p role="status">{notice}</p>}
            {shown.contractDeviations.length > 0 && (
              <section className="deviations" aria-labelledby="deviations-title">
                <h2 id="deviations-title">{t.delivery.deviations}</h2>
                <p>{t.delivery.deviationsNote}</p>
                <ul>
                  {shown.contractDeviations.map((deviation) => (
                    <li key={deviation.path}>
                      <code>{deviation.path}</code>: {deviation.problem}
                    </li>
                  ))}
                </ul>
              </section>
            )}
            <AttemptTimeline t={t} language={language} attempts={shown.attempts} />
            <h2>{t.delivery.body}</h2>
            <pre className="body">{readable(shown.request.body)}</pre>
          </>
        )}
      </PageState>
    </>
  );
}
