/**
 * The console's Content-Security-Policy: its own scripts, styles and API only, no inline script,
 * no plugin, no base-tag trick; framed only by the origins in CONSOLE_FRAME_ANCESTORS.
 */
export function consoleContentSecurityPolicy(frameAncestors: string | undefined): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors ?? "'none'"}`,
  ].join('; ');
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const inJapanese = (acceptLanguage: string | undefined) => /^ja\b/i.test(acceptLanguage ?? '');

/** A page the dispatcher renders itself, in the console's look: its stylesheet and icon, no script. */
function plainPage(ja: boolean, title: string, body: string): string {
  const brand = ja ? 'Spir Webhook コンソール' : 'Spir Webhooks console';
  return `<!doctype html><html lang="${ja ? 'ja' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<link rel="icon" type="image/svg+xml" href="/console/favicon.svg"><link rel="stylesheet" href="/console/plain-page.css"></head>
<body><header>${brand}</header><main><h1>${title}</h1>${body}</main></body></html>`;
}

/**
 * The page a one-time link opens. Opening it uses nothing: link previews and mail scanners fetch
 * links too, so only the Sign in button (a same-origin POST, which no preview sends) uses the link.
 * A browser already signed in to another team is asked first (`signedInTo`): a link someone else
 * handed over must not switch it silently.
 */
export function signInLinkPage(
  token: string,
  teamName: string,
  acceptLanguage: string | undefined,
  signedInTo?: string,
): string {
  const ja = inJapanese(acceptLanguage);
  const team = `<strong>${escapeHtml(teamName)}</strong>`;
  const what = ja
    ? `このリンクで ${team} の管理者としてサインインします。リンクは一度だけ使えます。`
    : `This link signs you in as an administrator of ${team}. It works once.`;
  const other = signedInTo === undefined ? '' : `<strong>${escapeHtml(signedInTo)}</strong>`;
  const switching =
    signedInTo === undefined
      ? ''
      : ja
        ? `<p>このブラウザは ${other} のコンソールにサインインしています。続けると ${other} からサインアウトし、${team} に切り替わります。自分で開いたリンクでなければ、このページを閉じてください。</p>`
        : `<p>This browser is signed in to the console of ${other}. Going on signs it out of ${other} and into ${team}. If you did not open this link yourself, close this page.</p>`;
  const button =
    signedInTo === undefined
      ? ja
        ? 'サインイン'
        : 'Sign in'
      : ja
        ? `${escapeHtml(teamName)} に切り替える`
        : `Switch to ${escapeHtml(teamName)}`;
  return plainPage(
    ja,
    ja ? 'コンソールにサインイン' : 'Sign in to the console',
    `<p>${what}</p>${switching}<form method="post" action="/console/sign-in">
<input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit">${button}</button></form>`,
  );
}

/** Why a link cannot be used, when the dispatcher knows. */
export type RefusedLink = 'used' | 'expired' | 'unknown' | 'other-site';

/** How to get a new link: Spir's page that mints one, or, without it, the internal API's command. */
export interface NewLinkHelp {
  /** CONSOLE_LOGIN_URL; unset on a developer's machine. */
  loginUrl: string | undefined;
  /** The internal API's address, as this machine reaches it. */
  internalUrl(): string;
  /** The file that holds the internal token; undefined when it comes from INTERNAL_API_TOKEN. */
  tokenPath: string | undefined;
}

const reasons: Record<RefusedLink, { en: string; ja: string }> = {
  used: {
    en: 'It has already been used: a sign-in link works once.',
    ja: 'このリンクはすでに使われました。サインインリンクは一度だけ使えます。',
  },
  expired: {
    en: 'It has expired: a sign-in link lasts five minutes.',
    ja: 'このリンクは有効期限（5分）が切れています。',
  },
  unknown: {
    en: 'It is not a link this console made (it may have been cut or changed on the way).',
    ja: 'このコンソールが発行したリンクではありません（途中で切れたか、変わった可能性があります）。',
  },
  'other-site': {
    en: 'Its Sign in button was sent from another site. Open the link itself in your browser.',
    ja: 'サインインボタンが別のサイトから送信されました。リンクそのものをブラウザで開いてください。',
  },
};

/** The page for a sign-in link used twice, expired or forged: what happened and how to get a new one. */
export function signInRefusedPage(
  refused: RefusedLink,
  teamId: string | undefined,
  help: NewLinkHelp,
  acceptLanguage: string | undefined,
): string {
  const ja = inJapanese(acceptLanguage);
  const reason = `<p class="problem">${reasons[refused][ja ? 'ja' : 'en']}</p>`;
  if (help.loginUrl !== undefined) {
    const label = ja ? 'Spirからもう一度サインイン' : 'Sign in again through Spir';
    return plainPage(
      ja,
      title(ja),
      `${reason}<p><a class="button" href="${escapeHtml(help.loginUrl)}">${label}</a></p>`,
    );
  }
  // No Spir page mints links here (a developer's machine): the internal API does, as in the README.
  const token = help.tokenPath === undefined ? '$INTERNAL_API_TOKEN' : `$(cat ${help.tokenPath})`;
  const command = `curl -s -X POST ${help.internalUrl()}/internal/v1/teams/${teamId ?? '<team id>'}/console-links \\
  -H "authorization: Bearer ${token}"`;
  const next = ja
    ? '新しいリンクは、ディスパッチャーを動かしているマシンで内部 API に発行させます。答えの <code>url</code> を5分以内に開いてください。'
    : 'Get a new link from the internal API, on the machine the dispatcher runs on, and open the <code>url</code> it answers within five minutes:';
  const instead = ja
    ? '（CONSOLE_LOGIN_URL を設定すると、ここには Spir のサインインページへのボタンが出ます。）'
    : "(With CONSOLE_LOGIN_URL set, this page links to Spir's sign-in page instead.)";
  return plainPage(
    ja,
    title(ja),
    `${reason}<p>${next}</p><pre><code>${escapeHtml(command)}</code></pre><p class="note">${instead}</p>`,
  );
}

const title = (ja: boolean) => (ja ? 'このサインインリンクは使えません' : 'This sign-in link cannot be used');
