import { useEffect, useState, type FormEvent } from 'react';
import { ApiProblem, call, eventNames, type Attempt, type EventName, type Webhook } from './api';
import type { PageProps } from './pageProps';

interface UrlCheck {
  ok: boolean;
  message?: string;
}

/** The URL rules, explained as the person types: the dispatcher's own check, asked for each change. */
function useUrlCheck(url: string): UrlCheck | undefined {
  const [check, setCheck] = useState<UrlCheck>();
  useEffect(() => {
    if (url === '') return setCheck(undefined);
    const timer = setTimeout(() => {
      void call<UrlCheck>('GET', `/v1/webhook-url-check?url=${encodeURIComponent(url)}`).then(setCheck);
    }, 200);
    return () => clearTimeout(timer);
  }, [url]);
  return check;
}

function AddWebhook({ t, event, added }: PageProps & { event: EventName; added: (secret: string) => void }) {
  const [url, setUrl] = useState('');
  const [problem, setProblem] = useState<string>();
  const check = useUrlCheck(url);
  const inputId = `url-${event}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const created = await call<{ secret: string }>('POST', '/v1/webhooks', { url, event });
      setUrl('');
      setProblem(undefined);
      added(created.secret);
    } catch (error) {
      setProblem(error instanceof ApiProblem ? error.message : t.errors.generic);
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
        onChange={(e) => setUrl(e.target.value)}
      />
      <button type="submit" disabled={check?.ok !== true}>
        {t.webhooks.add}
      </button>
      <p id={`${inputId}-rules`} className={check?.ok === false ? 'problem' : 'hint'} aria-live="polite">
        {check === undefined ? t.webhooks.rulesHint : check.ok ? t.webhooks.rulesOk : check.message}
      </p>
      {problem !== undefined && <p role="alert">{problem}</p>}
    </form>
  );
}

function WebhookRow({ t, language, webhook, changed }: PageProps & { webhook: Webhook; changed: () => void }) {
  const [secret, setSecret] = useState<string>();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();
  const test = async () => {
    const result = await call<Attempt & { succeeded: boolean }>(
      'POST',
      `/v1/webhooks/${webhook.id}/test?lang=${language}`,
    );
    setOutcome({
      ok: result.succeeded,
      text: `${result.succeeded ? t.webhooks.testOk : t.webhooks.testFailed}: ${result.summary}`,
    });
  };
  const rotate = async () =>
    setSecret((await call<{ secret: string }>('POST', `/v1/webhooks/${webhook.id}/rotate-secret`, {})).secret);
  const remove = async () => {
    if (!window.confirm(t.webhooks.confirmRemove)) return;
    await call('DELETE', `/v1/webhooks/${webhook.id}`);
    changed();
  };
  return (
    <li>
      <p className="url">{webhook.url}</p>
      <p className="meta">
        {t.webhooks.kind[webhook.kind]} · {webhook.id}
      </p>
      <div className="actions">
        <button type="button" onClick={() => void test()}>
          {t.webhooks.test}
        </button>
        <button type="button" onClick={() => void rotate()}>
          {t.webhooks.rotate}
        </button>
        <button type="button" className="danger" onClick={() => void remove()}>
          {t.webhooks.remove}
        </button>
      </div>
      {secret !== undefined && <SecretOnce t={t} secret={secret} />}
      {outcome !== undefined && (
        <p role="status" className={outcome.ok ? 'ok' : 'problem'}>
          {outcome.text}
        </p>
      )}
    </li>
  );
}

function SecretOnce({ t, secret }: Pick<PageProps, 't'> & { secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <p className="secret">
      {t.webhooks.secretOnce} <code>{secret}</code>{' '}
      <button type="button" onClick={() => void navigator.clipboard.writeText(secret).then(() => setCopied(true))}>
        {copied ? t.webhooks.copied : t.webhooks.copy}
      </button>
    </p>
  );
}

/** Webhooks per event type: add (rules explained as one types), secret once, test, rotate, delete. */
export function WebhooksPage(props: PageProps) {
  const { t } = props;
  const [webhooks, setWebhooks] = useState<Webhook[]>();
  const [newSecret, setNewSecret] = useState<{ event: EventName; secret: string }>();
  const load = () => void call<{ data: Webhook[] }>('GET', '/v1/webhooks').then((r) => setWebhooks(r.data));
  useEffect(load, []);
  return (
    <>
      <h1>{t.webhooks.title}</h1>
      {eventNames.map((event) => {
        const ofEvent = webhooks?.filter((w) => w.event === event) ?? [];
        return (
          <section key={event} aria-labelledby={`h-${event}`}>
            <h2 id={`h-${event}`}>
              {t.events[event]} <code>{event}</code>
            </h2>
            {ofEvent.length === 0 ? <p>{t.webhooks.none}</p> : null}
            <ul className="webhooks">
              {ofEvent.map((webhook) => (
                <WebhookRow key={webhook.id} {...props} webhook={webhook} changed={load} />
              ))}
            </ul>
            {newSecret?.event === event && <SecretOnce t={t} secret={newSecret.secret} />}
            <AddWebhook
              {...props}
              event={event}
              added={(secret) => {
                setNewSecret({ event, secret });
                load();
              }}
            />
          </section>
        );
      })}
    </>
  );
}
