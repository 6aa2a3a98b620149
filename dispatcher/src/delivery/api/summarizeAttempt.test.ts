import { summarizeAttempt } from './summarizeAttempt';

const answered = (status: number) => ({ response: { status, headers: {}, body: '' }, error: null });
const failed = (code: string) => ({ response: null, error: { code, message: `${code} happened` } });

// Every error kind the dispatcher records, read in both languages.
describe('summarizeAttempt', () => {
  it.each([
    ['a timeout', failed('timeout'), /timeout/, /タイムアウト/],
    ['a refused connection', failed('ECONNREFUSED'), /refused: nothing listens/, /接続が拒否/],
    ['a DNS failure', failed('ENOTFOUND'), /could not be resolved \(DNS\)/, /ホスト名を解決できません/],
    ['a self-signed certificate', failed('DEPTH_ZERO_SELF_SIGNED_CERT'), /certificate is not trusted/, /証明書/],
    ['a certificate for another name', failed('ERR_TLS_CERT_ALTNAME_INVALID'), /certificate/, /証明書/],
    [
      'a blocked address',
      failed('blocked_address'),
      /does not resolve to an address on the public internet/,
      /公開アドレスに解決されない/,
    ],
    ['a reset connection', failed('ECONNRESET'), /closed before the answer/, /切断/],
    ['a redirect', answered(301), /redirect \(HTTP 301\).*final URL/, /リダイレクト（HTTP 301）/],
    ['a 404', answered(404), /path \(HTTP 404\)/, /パスが見つかりません/],
    ['a 401', answered(401), /current secret/, /シークレット/],
    ['another 4xx', answered(422), /HTTP 422/, /受け付けませんでした（HTTP 422）/],
    ['a 5xx', answered(503), /error of its own \(HTTP 503\)/, /受信側でエラー（?.*HTTP 503/],
    ['a success', answered(200), /accepted the event \(HTTP 200\)/, /正常に受け取りました/],
    ['an unknown error', failed('UND_ERR_WEIRD'), /could not be completed \(UND_ERR_WEIRD\)/, /UND_ERR_WEIRD/],
  ])('reads %s in English and Japanese', (_kind, attempt, en, ja) => {
    expect(summarizeAttempt(attempt, 'en')).toMatch(en);
    expect(summarizeAttempt(attempt, 'ja')).toMatch(ja);
    expect(summarizeAttempt(attempt, 'en')).not.toContain('\n');
  });
});
