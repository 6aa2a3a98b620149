import { useState } from 'react';
import { call, problemMessage, type WebhookListAnswer } from './api';
import { localAndUtc } from './format';
import type { PageProps } from './pageProps';

type Webhook = WebhookListAnswer['data'][number];

/**
 * A failing webhook, as a person wants to know it: since when, how many deliveries failed, and
 * what happens next, with the switch for automatic redelivery (`PATCH /v1/webhooks/:id`).
 */
export function FailingNotice({
  t,
  language,
  webhook,
  changed,
}: PageProps & { webhook: Webhook; changed: () => void }) {
  const [problem, setProblem] = useState<string>();
  const { failingSince, failedDeliveries } = webhook.health;
  if (failingSince === null) return null;
  const switchId = `redeliver-${webhook.id}`;
  const toggle = async (autoRedeliver: boolean) => {
    try {
      await call('PATCH', `/v1/webhooks/${webhook.id}`, { autoRedeliver });
      setProblem(undefined);
      changed();
    } catch (error) {
      setProblem(problemMessage(error, t.errors.generic));
    }
  };
  return (
    <div className="failing-notice">
      <p className="failing-since">{t.failing.since(localAndUtc(failingSince, language))}</p>
      <p className="failed-deliveries">{t.failing.failed(failedDeliveries)}</p>
      <p className="next">{webhook.autoRedeliver ? t.failing.nextOn(failedDeliveries) : t.failing.nextOff}</p>
      <p>
        <input
          id={switchId}
          type="checkbox"
          role="switch"
          checked={webhook.autoRedeliver}
          onChange={(e) => void toggle(e.target.checked)}
        />{' '}
        <label htmlFor={switchId} className="inline">
          {t.failing.switchLabel}
        </label>
      </p>
      {problem !== undefined && <p role="alert">{problem}</p>}
    </div>
  );
}
