import type { AttemptAnswer } from './api';
import { localAndUtc } from './format';
import type { PageProps } from './pageProps';

/** Headers as the API gives them: it alone decides whether this reader sees the signature. */
function Headers({ headers }: { headers: Record<string, string> }) {
  return (
    <dl>
      {Object.entries(headers).map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

const answerOf = (attempt: AttemptAnswer) =>
  attempt.response === null
    ? `error:${attempt.error?.code ?? ''}:${attempt.error?.message ?? ''}`
    : `${attempt.response.status}:${attempt.response.body}`;

/**
 * Attempts newest first. An answer identical to an older attempt's (same status and body, or the
 * same error) is not repeated: it says which attempt it matches, so that five 503 pages read as one.
 * The dispatcher stores such a repeat only as a reference (`kept: 'same'`), and keeps only the
 * status of answers past a delivery's budget (`kept: 'trimmed'`).
 */
export function AttemptTimeline({ t, language, attempts }: PageProps & { attempts: AttemptAnswer[] }) {
  const firstWithAnswer = new Map<string, AttemptAnswer>();
  for (const attempt of attempts)
    if ((attempt.response?.kept ?? 'whole') === 'whole' && !firstWithAnswer.has(answerOf(attempt)))
      firstWithAnswer.set(answerOf(attempt), attempt);
  const label = (attempt: Pick<AttemptAnswer, 'round' | 'attempt'>) =>
    `${t.delivery.round(attempt.round)} · ${t.delivery.attempt(attempt.attempt)}`;
  const sameAs = (attempt: AttemptAnswer) => {
    if (attempt.response?.kept === 'same') return attempt.response.sameAs ?? undefined;
    const first = firstWithAnswer.get(answerOf(attempt));
    return first === undefined || first === attempt ? undefined : first;
  };
  return (
    <ol className="timeline" reversed>
      {[...attempts].reverse().map((attempt) => {
        const same = sameAs(attempt);
        return (
          <li
            key={`${attempt.round}-${attempt.attempt}`}
            className={attempt.outcome === 'succeeded' ? 'succeeded' : 'failed'}
          >
            <h2>
              {label(attempt)} · {localAndUtc(attempt.startedAt, language)}
            </h2>
            <p className="summary">{attempt.summary}</p>
            <p>
              {t.delivery.duration}: {Math.round(attempt.durationMs)} ms
            </p>
            <details>
              <summary>{t.delivery.request}</summary>
              <Headers headers={attempt.request.headers} />
            </details>
            {same !== undefined ? (
              <p className="same-answer">{t.delivery.sameAnswer(label(same))}</p>
            ) : attempt.response?.kept === 'trimmed' ? (
              <div>
                <h3>
                  {t.delivery.response}: HTTP {attempt.response.status}
                </h3>
                <p className="trimmed-answer">{t.delivery.trimmedAnswer}</p>
              </div>
            ) : attempt.response !== null ? (
              <div>
                <h3>
                  {t.delivery.response}: HTTP {attempt.response.status}
                </h3>
                <details>
                  <summary>{t.delivery.responseHeaders}</summary>
                  <Headers headers={attempt.response.headers} />
                </details>
                <pre className="body">
                  {attempt.response.body === '' ? t.delivery.emptyBody : attempt.response.body}
                </pre>
              </div>
            ) : (
              <p>
                {t.delivery.error}: <code>{attempt.error?.code}</code> {attempt.error?.message}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}
