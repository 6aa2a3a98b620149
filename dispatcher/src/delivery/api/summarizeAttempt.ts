import type { TeamLanguage } from '../../store/storeTypes';
import type { DecodedAttempt } from '../../store/storeTypes';

type Reading = Record<TeamLanguage, string>;

/** Error codes by the kind of failure a person must fix; the rest read as "could not complete". */
const tlsCode = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|EPROTO/;
const errorReadings: Record<string, (code: string) => Reading> = {
  timeout: () => ({
    en: 'The endpoint did not answer in time (timeout).',
    ja: '時間内に応答がありませんでした（タイムアウト）。',
  }),
  ECONNREFUSED: () => ({
    en: 'The connection was refused: nothing listens at that host and port.',
    ja: '接続が拒否されました。そのホストとポートで待ち受けているサーバーがありません。',
  }),
  ENOTFOUND: () => ({
    en: 'The host name could not be resolved (DNS).',
    ja: 'ホスト名を解決できませんでした（DNS）。',
  }),
  // A name that does not resolve and one that resolves to an internal address read the same, so
  // that tenants cannot learn which internal names exist.
  blocked_address: () => ({
    en: 'The host name does not resolve to an address on the public internet, so nothing was sent.',
    ja: 'ホスト名がインターネット上の公開アドレスに解決されないため、送信しませんでした。',
  }),
  tls: () => ({
    en: "The endpoint's certificate is not trusted or the TLS handshake failed: use a valid certificate from a public CA.",
    ja: '証明書を検証できないか、TLS接続に失敗しました。公的な認証局が発行した有効な証明書をご利用ください。',
  }),
  reset: () => ({
    en: 'The connection was closed before the answer was complete.',
    ja: '応答の途中で接続が切断されました。',
  }),
  other: (code) => ({
    en: `The request could not be completed (${code}).`,
    ja: `送信を完了できませんでした（${code}）。`,
  }),
};
errorReadings.EAI_AGAIN = errorReadings.ENOTFOUND!;
errorReadings.ECONNRESET = errorReadings.reset!;
errorReadings.UND_ERR_SOCKET = errorReadings.reset!;
errorReadings.EPIPE = errorReadings.reset!;

function statusReading(status: number): Reading {
  const http = `HTTP ${status}`;
  if (status >= 200 && status < 300)
    return { en: `The endpoint accepted the event (${http}).`, ja: `受信側が正常に受け取りました（${http}）。` };
  if (status >= 300 && status < 400)
    return {
      en: `The endpoint answered with a redirect (${http}); webhooks do not follow redirects, so register the final URL.`,
      ja: `リダイレクト（${http}）が返されました。Webhookはリダイレクトをたどらないため、転送先の最終的なURLを登録してください。`,
    };
  if (status === 404)
    return {
      en: `Nothing was found at that path (${http}): check the path of the webhook URL.`,
      ja: `指定のパスが見つかりませんでした（${http}）。Webhook URLのパスをご確認ください。`,
    };
  if (status === 401 || status === 403)
    return {
      en: `The endpoint refused the request (${http}): check that it verifies the signature with this webhook's current secret.`,
      ja: `受信側がリクエストを拒否しました（${http}）。このWebhookの現在のシークレットで署名を検証しているかご確認ください。`,
    };
  if (status >= 400 && status < 500)
    return {
      en: `The endpoint did not accept the request (${http}): its answer is in the transmission log.`,
      ja: `受信側がリクエストを受け付けませんでした（${http}）。応答の内容は送信ログをご確認ください。`,
    };
  return {
    en: `The endpoint had an error of its own (${http}).`,
    ja: `受信側でエラーが発生しました（${http}）。`,
  };
}

/**
 * One line, in plain language, saying what an attempt's outcome means and, for a failure, what
 * to look at. The one reading of an attempt: the failure email, the delivery API's `summary` and
 * the console all use it.
 */
export function summarizeAttempt(attempt: Pick<DecodedAttempt, 'response' | 'error'>, language: TeamLanguage): string {
  if (attempt.response !== null) return statusReading(attempt.response.status)[language];
  const code = attempt.error?.code ?? 'network_error';
  const reading = errorReadings[code] ?? (tlsCode.test(code) ? errorReadings.tls! : errorReadings.other!);
  return reading(code)[language];
}
