import { useState, type FormEvent } from 'react';
import { problemMessage, call, type ResendFailedAnswer } from './api';
import type { PageProps } from './pageProps';

/** The morning after a customer's outage: resend every delivery that failed since a moment. */
export function RecoverPanel({ t, onResent }: PageProps & { onResent: () => void }) {
  const [since, setSince] = useState('');
  const [notice, setNotice] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (since === '') return;
    try {
      const answer = await call<ResendFailedAnswer>('POST', '/v1/deliveries/resend-failed', {
        since: new Date(since).toISOString(),
      });
      setNotice(t.recover.done(answer.resent, answer.more));
      onResent();
    } catch (error) {
      setNotice(problemMessage(error, t.errors.generic));
    }
  };
  return (
    <form className="recover" onSubmit={(event) => void submit(event)}>
      <h2>{t.recover.title}</h2>
      <p>{t.recover.explain}</p>
      <div>
        <label htmlFor="recover-since">{t.recover.since}</label>
        <input
          id="recover-since"
          type="datetime-local"
          required
          value={since}
          onChange={(e) => setSince(e.target.value)}
        />
      </div>
      <button type="submit">{t.recover.button}</button>
      {notice !== undefined && <p role="status">{notice}</p>}
    </form>
  );
}
