import { useEffect, useState, type FormEvent } from 'react';
import { problemMessage, call, type EventName, type UrlCheckAnswer, type WebhookWithSecretAnswer } from './api';
import type { PageProps } from './pageProps';

/** The URL rules, explained as the person types: the dispatcher's own check, asked for each change. */
function useUrlCheck(url: string): UrlCheckAnswer | undefined {
  const [check, setCheck] = useState<UrlCheckAnswer>();
  useEffect(() => {
    if (url === '') return setCheck(undefined);
    let current = true;
    const timer = setTimeout(() => {
      // An answer for a URL since changed is dropped: only the newest text's verdict is shown.
      void call<UrlCheckAnswer>('GET', `/v1/webhook-url-check?url=${encodeURIComponent(url)}`).then(
        (answer) => current && setCheck(answer),
        () => undefined,
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [url]);
  return check;
}

export function AddWebhook({
  t,
  event,
  added,
}: PageProps & { event: EventName; added: (created: WebhookWithSecretAnswer) => void }) {
  const [url, setUrl] = useState('');
  const [problem, setProblem] = useState<string>();
  const check = useUrlCheck(url);
  const inputId = `url-${event}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // The button is always ready to press (a greyed one reads as "not for you"); an empty or
    // refused URL is answered in words instead (the dispatcher's own refusal, below).
    if (url.trim() === '') return setProblem(t.webhooks.rulesHint);
    try {
      const created = await call<WebhookWithSecretAnswer>('POST', '/v1/webhooks', { url, event });
      setUrl('');
      setProblem(undefined);
      added(created);
    } catch (error) {
      setProblem(problemMessage(error, t.errors.generic));
    }
  };
  return (
    <form className="add" onSubmit={(e) => void submit(e)}>
      <label htmlFor={inputId}>{t.webhooks.url}</label>
      <input
        id={inputId}
        type="url"
        value={url}
        placeholder="https://"
        aria-describedby={`${inputId}-rules`}
        onChange={(e) => {
          setUrl(e.target.value);
          setProblem(undefined);
        }}
      />
      <button type="submit">{t.webhooks.add}</button>
      <p id={`${inputId}-rules`} className={check?.ok === false ? 'problem' : 'hint'} aria-live="polite">
        {check === undefined ? t.webhooks.rulesHint : check.ok ? t.webhooks.rulesOk : check.message}
      </p>
      {problem !== undefined && <p role="alert">{problem}</p>}
    </form>
  );
}
