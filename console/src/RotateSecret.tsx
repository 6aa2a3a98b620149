import { useState } from 'react';
import { problemMessage, call, type WebhookWithSecretAnswer } from './api';
import type { PageProps } from './pageProps';

/**
 * Rotation asks first, and says what happens to the old secret: it keeps signing beside the new
 * one for 24 h, so that a receiver can switch without losing events, unless ended now (it leaked).
 */
export function RotateSecret({
  t,
  webhookId,
  rotated,
}: Pick<PageProps, 't'> & { webhookId: string; rotated: (secret: string) => void }) {
  const [asking, setAsking] = useState(false);
  const [problem, setProblem] = useState<string>();
  const rotate = async (expireCurrentNow: boolean) => {
    try {
      const answer = await call<WebhookWithSecretAnswer>('POST', `/v1/webhooks/${webhookId}/rotate-secret`, {
        expireCurrentNow,
      });
      setAsking(false);
      setProblem(undefined);
      rotated(answer.secret);
    } catch (error) {
      setProblem(problemMessage(error, t.errors.generic));
    }
  };
  if (!asking)
    return (
      <button type="button" onClick={() => setAsking(true)}>
        {t.webhooks.rotate}
      </button>
    );
  return (
    <div className="confirm" role="group" aria-labelledby={`rotate-${webhookId}`}>
      <p id={`rotate-${webhookId}`}>{t.webhooks.rotateExplain}</p>
      <div className="actions">
        <button type="button" onClick={() => void rotate(false)}>
          {t.webhooks.rotateKeep}
        </button>
        <button type="button" className="danger" onClick={() => void rotate(true)}>
          {t.webhooks.rotateEndNow}
        </button>
        <button type="button" className="secondary" onClick={() => setAsking(false)}>
          {t.webhooks.cancel}
        </button>
      </div>
      {problem !== undefined && <p role="alert">{problem}</p>}
    </div>
  );
}
