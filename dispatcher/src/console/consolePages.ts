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

/** The page for a sign-in link used twice, expired or forged: what happened and how to get a new one. */
export function signInRefusedPage(loginUrl: string | undefined, acceptLanguage: string | undefined): string {
  const ja = /^ja\b/i.test(acceptLanguage ?? '');
  const title = ja ? 'このサインインリンクは使えません' : 'This sign-in link cannot be used';
  const reason = ja
    ? 'リンクはすでに使用されたか、有効期限（数分）が切れたか、正しくありません。'
    : 'It has already been used, it has expired (links last a few minutes), or it is not a link Spir made.';
  const next =
    loginUrl === undefined
      ? ja
        ? 'Spirのチーム設定から、もう一度コンソールを開いてください。'
        : "Open the console again from your team's settings in Spir."
      : `<a class="button" href="${escapeHtml(loginUrl)}">${ja ? 'Spirからもう一度サインイン' : 'Sign in again through Spir'}</a>`;
  const brand = ja ? 'Spir Webhook コンソール' : 'Spir Webhooks console';
  // Styles and icon are the console's own files (public/): the CSP allows no inline style.
  return `<!doctype html><html lang="${ja ? 'ja' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<link rel="icon" type="image/svg+xml" href="/console/favicon.svg"><link rel="stylesheet" href="/console/plain-page.css"></head>
<body><header>${brand}</header><main><h1>${title}</h1><p class="problem">${reason}</p><p>${next}</p></main></body></html>`;
}
