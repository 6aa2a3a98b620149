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

/** Attempts of one round in a row that got the same answer: shown as one line after the first. */
interface Run {
  first: AttemptAnswer;
  repeats: AttemptAnswer[];
}

/**
 * Consecutive attempts of a round with the same answer, oldest first. The dispatcher keeps a
 * repeat as a reference (`kept: 'same'`), so a repeat is matched through the attempt it names; a
 * trimmed answer (status only) is never called the same, as its body is unknown.
 */
function answerKeys(attempts: AttemptAnswer[]): (attempt: AttemptAnswer) => string | undefined {
  const byLabel = new Map(attempts.map((a) => [`${a.round}/${a.attempt}`, a]));
  return (attempt) => {
    if (attempt.response?.kept === 'trimmed') return undefined;
    const sameAs = attempt.response?.kept === 'same' ? attempt.response.sameAs : null;
    const kept = sameAs === null ? attempt : byLabel.get(`${sameAs.round}/${sameAs.attempt}`);
    return kept === undefined || kept.response?.kept === 'same' ? undefined : answerOf(kept);
  };
}

function runsOf(attempts: AttemptAnswer[], keyOf: (attempt: AttemptAnswer) => string | undefined): Run[] {
  const runs: Run[] = [];
  for (const attempt of attempts) {
    const run = runs[runs.length - 1];
    const key = keyOf(attempt);
    if (run !== undefined && run.first.round === attempt.round && key !== undefined && keyOf(run.first) === key)
      run.repeats.push(attempt);
    else runs.push({ first: attempt, repeats: [] });
  }
  return runs;
}

/** One attempt in full: when, what it means, how long, what was sent and what came back. */
function Attempt({
  t,
  language,
  attempt,
  label,
  sameAs,
}: PageProps & { attempt: AttemptAnswer; label: string; sameAs: string | undefined }) {
  return (
    <li className={attempt.outcome === 'succeeded' ? 'succeeded' : 'failed'}>
      <h2>
        {label} · {localAndUtc(attempt.startedAt, language)}
      </h2>
      <p className="summary">{attempt.summary}</p>
      <p>
        {t.delivery.duration}: {Math.round(attempt.durationMs)} ms
      </p>
      <details>
        <summary>{t.delivery.request}</summary>
        <Headers headers={attempt.request.headers} />
      </details>
      {sameAs !== undefined ? (
        <p className="same-answer">{t.delivery.sameAnswer(sameAs)}</p>
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
          <pre className="body">{attempt.response.body === '' ? t.delivery.emptyBody : attempt.response.body}</pre>
        </div>
      ) : (
        <p>
          {t.delivery.error}: <code>{attempt.error?.code}</code> {attempt.error?.message}
        </p>
      )}
    </li>
  );
}

/** The attempts after a run's first, as one line: which ones, from when to when, and the answer's meaning. */
function Repeats({ t, language, run }: PageProps & { run: Run }) {
  const first = run.repeats[0]!;
  const last = run.repeats[run.repeats.length - 1]!;
  const between =
    first === last
      ? localAndUtc(first.startedAt, language)
      : `${localAndUtc(first.startedAt, language)} – ${localAndUtc(last.startedAt, language)}`;
  return (
    <li className={`repeats ${last.outcome === 'succeeded' ? 'succeeded' : 'failed'}`}>
      <h2>
        {t.delivery.round(first.round)} · {t.delivery.sameAnswers(first.attempt, last.attempt, run.first.attempt)}
      </h2>
      <p className="summary">
        {last.summary} · {between}
      </p>
    </li>
  );
}

/**
 * Attempts newest first. Attempts of a round in a row with the same answer (status and body, or
 * the same error) are one line after the first of them, so that five 503 pages fit one screen.
 */
export function AttemptTimeline({ t, language, attempts }: PageProps & { attempts: AttemptAnswer[] }) {
  const label = (attempt: Pick<AttemptAnswer, 'round' | 'attempt'>) =>
    `${t.delivery.round(attempt.round)} · ${t.delivery.attempt(attempt.attempt)}`;
  const keyOf = answerKeys(attempts);
  // A run's first attempt whose answer an earlier round already showed says which one, once.
  const firstWithKey = new Map<string, AttemptAnswer>();
  for (const attempt of attempts) {
    const key = keyOf(attempt);
    if (key !== undefined && !firstWithKey.has(key)) firstWithKey.set(key, attempt);
  }
  const sameAs = (attempt: AttemptAnswer): string | undefined => {
    if (attempt.response?.kept === 'same' && attempt.response.sameAs !== null) return label(attempt.response.sameAs);
    const key = keyOf(attempt);
    const first = key === undefined ? undefined : firstWithKey.get(key);
    return first === undefined || first === attempt ? undefined : label(first);
  };
  return (
    <ol className="timeline" reversed>
      {runsOf(attempts, keyOf)
        .reverse()
        .flatMap((run) => [
          run.repeats.length > 0 && (
            <Repeats key={`${run.first.round}-${run.first.attempt}-repeats`} t={t} language={language} run={run} />
          ),
          <Attempt
            key={`${run.first.round}-${run.first.attempt}`}
            t={t}
            language={language}
            attempt={run.first}
            label={label(run.first)}
            sameAs={sameAs(run.first)}
          />,
        ])}
    </ol>
  );
}
