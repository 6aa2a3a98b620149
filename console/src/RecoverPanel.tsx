import { useEffect, useRef, useState, type FormEvent } from 'react';
import { problemMessage, call, type DeliveryListAnswer, type ResendFailedAnswer } from './api';
import type { PageProps } from './pageProps';
import { useApi } from './useApi';

/** How far the panel counts: past this it says "100 or more" (one page of the list, never a scan). */
const countUpTo = 100;

/** `datetime-local`'s value for a time, in the browser's own time zone, to the minute. */
const localMinute = (iso: string) => {
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * The morning after a customer's outage: resend every delivery that failed since a moment. Shown
 * only while some delivery has finally failed, saying how
 * many, with the oldest one's time as the moment to start from.
 */
export function RecoverPanel({ t, listed, onResent }: PageProps & { listed: unknown; onResent: () => void }) {
  const failed = useApi<DeliveryListAnswer>(`/v1/deliveries?status=failed&limit=${countUpTo}`);
  const [since, setSince] = useState('');
  const [notice, setNotice] = useState<string>();
  const { reload } = failed;
  // Counted again whenever the list below is read again (a pending delivery may just have failed).
  const counted = useRef(listed);
  useEffect(() => {
    if (counted.current === listed) return;
    counted.current = listed;
    reload();
  }, [listed, reload]);
  // A test send's delivery is never resent: not counted.
  const real = failed.data?.data.filter((delivery) => !delivery.test) ?? [];
  const oldest = real[real.length - 1];
  const more = failed.data?.nextCursor !== null && failed.data?.nextCursor !== undefined;
  useEffect(() => {
    if (oldest !== undefined && !more) setSince((typed) => (typed === '' ? localMinute(oldest.createdAt) : typed));
  }, [oldest?.createdAt, more]);
  // Nothing failed (or not known yet): no panel, unless it has just said what it did.
  if (real.length === 0 && notice === undefined) return null;

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
      {real.length > 0 && <p className="failed-count">{t.recover.failedCount(real.length, more)}</p>}
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
