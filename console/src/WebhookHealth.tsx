import type { WebhookListAnswer } from './api';
import { localAndUtc } from './format';
import type { PageProps } from './pageProps';

type Health = WebhookListAnswer['data'][number]['health'];

/** A receiver that failed its last attempt: the card stands out. */
export const isFailing = (health: Health) => health.lastAttempt !== null && !health.lastAttempt.succeeded;

/** Endpoint health at a glance: the last attempt, the success rate over 24 h, failures in a row. */
export function WebhookHealth({ t, language, health }: PageProps & { health: Health }) {
  const last = health.lastAttempt;
  const verdict = last === null ? 'quiet' : last.succeeded ? 'healthy' : 'failing';
  return (
    <div className="health">
      <p>
        <span className={`badge ${verdict}`}>{t.health.verdict[verdict]}</span>
      </p>
      <dl className="health-figures">
        <div>
          <dt>{t.health.lastAttempt}</dt>
          <dd>
            {last === null
              ? t.health.none
              : `${last.status === null ? (last.errorCode ?? t.health.noAnswer) : `HTTP ${last.status}`} · ${localAndUtc(last.at, language)}`}
          </dd>
        </div>
        <div>
          <dt>{t.health.successRate}</dt>
          <dd>
            {health.successRate24h === null
              ? t.health.none
              : t.health.rate(Math.round(health.successRate24h * 100), health.succeeded24h, health.attempts24h)}
          </dd>
        </div>
        <div>
          <dt>{t.health.consecutiveFailures}</dt>
          <dd>{health.consecutiveFailures}</dd>
        </div>
      </dl>
    </div>
  );
}
