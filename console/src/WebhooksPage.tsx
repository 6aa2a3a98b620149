import { useState } from 'react';
import { problemMessage, call, eventNames, type TestSendAnswer, type WebhookListAnswer } from './api';
import { AddWebhook } from './AddWebhook';
import { PageState } from './PageState';
import type { PageProps } from './pageProps';
import { RotateSecret } from './RotateSecret';
import { useApi } from './useApi';
import { isFailing, WebhookHealth } from './WebhookHealth';
import { FailingNotice } from './FailingNotice';

type Webhook = WebhookListAnswer['data'][number];

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

function WebhookCard({
  webhook,
  secret,
  setSecret,
  changed,
  ...props
}: PageProps & {
  webhook: Webhook;
  secret: string | undefined;
  setSecret: (secret: string | undefined) => void;
  changed: () => void;
}) {
  const { t, language } = props;
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string; deliveryId?: string }>();
  const failed = (error: unknown) =>
    setOutcome({
      ok: false,
      text: problemMessage(error, t.errors.generic),
    });
  const test = async () => {
    try {
      const result = await call<TestSendAnswer>('POST', `/v1/webhooks/${webhook.id}/test?lang=${language}`);
      setOutcome({
        ok: result.succeeded,
        text: `${result.succeeded ? t.webhooks.testOk : t.webhooks.testFailed}: ${result.summary}`,
        deliveryId: result.deliveryId,
      });
      changed();
    } catch (error) {
      failed(error);
    }
  };
  const remove = async () => {
    if (!window.confirm(t.webhooks.confirmRemove)) return;
    try {
      await call('DELETE', `/v1/webhooks/${webhook.id}`);
      // The one-time secret goes with the webhook: nothing on screen may sign for a URL now gone.
      setSecret(undefined);
      changed();
    } catch (error) {
      failed(error);
    }
  };
  return (
    <li className={isFailing(webhook.health) ? 'failing' : undefined}>
      <p className="url">{webhook.url}</p>
      <p className="meta">
        {t.webhooks.kind[webhook.kind]} · <code>{webhook.id}</code>
      </p>
      <WebhookHealth {...props} health={webhook.health} />
      <FailingNotice {...props} webhook={webhook} changed={changed} />
      {webhook.previousSecretExpiresAt !== undefined && Date.parse(webhook.previousSecretExpiresAt) > Date.now() && (
        <p className="hint">{t.webhooks.previousSecretUntil(webhook.previousSecretExpiresAt, language)}</p>
      )}
      <div className="actions">
        <button type="button" onClick={() => void test()}>
          {t.webhooks.test}
        </button>
        <RotateSecret
          t={t}
          webhookId={webhook.id}
          rotated={(rotated) => {
            setSecret(rotated);
            changed();
          }}
        />
        <button type="button" className="danger" onClick={() => void remove()}>
          {t.webhooks.remove}
        </button>
      </div>
      {secret !== undefined && <SecretOnce t={t} secret={secret} />}
      {outcome !== undefined && (
        <p role="status" className={outcome.ok ? 'ok' : 'problem'}>
          {outcome.text}
          {outcome.deliveryId !== undefined && (
            <>
              {' '}
              <a href={`#/deliveries/${outcome.deliveryId}`}>{t.webhooks.testDetails}</a>
            </>
          )}
        </p>
      )}
    </li>
  );
}

/** Webhooks per event type, each with its health; add (rules explained as one types), secret once, test, rotate, delete. */
export function WebhooksPage(props: PageProps) {
  const { t } = props;
  const webhooks = useApi<WebhookListAnswer>('/v1/webhooks');
  // One-time secrets by webhook id: shown until the page is left or the webhook deleted.
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const secretSetter = (id: string) => (secret: string | undefined) =>
    setSecrets(({ [id]: _dropped, ...others }) => (secret === undefined ? others : { ...others, [id]: secret }));
  return (
    <>
      <h1>{t.webhooks.title}</h1>
      <PageState t={t} loaded={webhooks} reload={webhooks.reload}>
        {({ data, limits }) =>
          eventNames.map((event) => {
            const ofEvent = data.filter((w) => w.event === event);
            const urls = ofEvent.filter((w) => w.kind === 'endpoint').length;
            return (
              <section key={event} aria-labelledby={`h-${event}`}>
                <h2 id={`h-${event}`}>
                  {t.events[event]} <code>{event}</code>
                </h2>
                {ofEvent.length === 0 ? <p>{t.webhooks.none}</p> : null}
                <ul className="webhooks">
                  {ofEvent.map((webhook) => (
                    <WebhookCard
                      key={webhook.id}
                      {...props}
                      webhook={webhook}
                      secret={secrets[webhook.id]}
                      setSecret={secretSetter(webhook.id)}
                      changed={webhooks.reload}
                    />
                  ))}
                </ul>
                {urls >= limits.urlsPerEvent ? (
                  <p className="hint limit">{t.webhooks.atLimit(limits.urlsPerEvent)}</p>
                ) : (
                  <AddWebhook
                    {...props}
                    event={event}
                    added={(created) => {
                      secretSetter(created.id)(created.secret);
                      webhooks.reload();
                    }}
                  />
                )}
              </section>
            );
          })
        }
      </PageState>
    </>
  );
}
