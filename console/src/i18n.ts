export type Language = 'ja' | 'en';

/** Japanese for browsers that ask for it first, English otherwise; the person can switch. */
export function initialLanguage(): Language {
  const saved = localStorage.getItem('spir-console-language');
  if (saved === 'ja' || saved === 'en') return saved;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

const ja = {
  appTitle: 'Spir Webhook コンソール',
  language: 'English',
  nav: { webhooks: 'Webhook', deliveries: '送信履歴', events: '最近のイベント' },
  signOut: 'サインアウト',
  signIn: {
    title: 'コンソールにサインイン',
    viaSpir: 'Spirのチーム設定から「Webhook コンソール」を開くと、サインインした状態でこの画面が開きます。',
    openSpir: 'Spirからサインイン',
    withKey: '開発者の方は、フルスコープのチームAPIキーでもサインインできます。',
    apiKey: 'チームAPIキー',
    submit: 'サインイン',
  },
  events: { 'event.confirmed': '日程確定', 'event.canceled': '日程キャンセル', 'form.answered': 'フォーム回答' },
  webhooks: {
    title: 'Webhook',
    none: 'まだ登録されていません。',
    url: 'Webhook URL',
    add: '追加',
    rulesOk: 'このURLは登録できます。',
    rulesHint: 'https で、公開されたホスト名のURLを入力してください（IPアドレス、localhost は使えません）。',
    secretOnce: '署名シークレット（この一度だけ表示されます）:',
    copy: 'コピー',
    copied: 'コピーしました',
    rotate: 'シークレットを更新',
    remove: '削除',
    confirmRemove: 'このWebhookを削除しますか？',
    test: 'テスト送信',
    testOk: 'テスト送信に成功しました',
    testFailed: 'テスト送信に失敗しました',
    kind: { endpoint: '登録URL', subscription: '連携サービス' },
  },
  deliveries: {
    title: '送信履歴',
    event: 'イベント',
    status: '状態',
    webhook: 'Webhook',
    since: 'この日以降',
    until: 'この日より前',
    all: 'すべて',
    filter: '絞り込む',
    more: 'さらに表示',
    none: '該当する送信はありません。',
    created: '作成日時',
    statuses: { pending: '送信中', succeeded: '成功', failed: '失敗', canceled: 'キャンセル' },
  },
  delivery: {
    back: '送信履歴に戻る',
    attempt: (n: number) => `${n}回目`,
    round: (n: number) => `${n}巡目`,
    duration: '所要時間',
    request: 'リクエストヘッダー',
    body: '送信した本文',
    response: '応答',
    error: 'エラー',
    nextRetry: '次の再試行',
    resend: '再送',
    resent: '再送を開始しました',
    notFound: 'この送信は見つかりません。',
    cancelReason: 'キャンセルの理由',
    deviations: '契約との相違',
    deviationsNote:
      'このイベントは型付きの契約と異なる点がありますが、Spirから届いたとおりにそのまま送信しました。受信側は以下の項目を欠けている前提で扱ってください。',
  },
  recover: {
    title: '失敗した送信をまとめて再送',
    explain:
      '受信側の障害が解消したあとに、指定した時刻以降に作成され、最終的に失敗した送信をまとめて再送します（1分に1回まで）。',
    since: 'この時刻以降',
    button: '失敗した送信を再送',
    done: (n: number, more: boolean) =>
      `${n}件の再送を開始しました。${more ? 'まだ残りがあります。1分後にもう一度実行してください。' : ''}`,
  },
  recent: { title: '最近のイベント', none: 'まだイベントはありません。' },
  errors: { generic: 'エラーが発生しました' },
};

export type Texts = typeof ja;

const en: Texts = {
  appTitle: 'Spir Webhooks console',
  language: '日本語',
  nav: { webhooks: 'Webhooks', deliveries: 'Deliveries', events: 'Recent events' },
  signOut: 'Sign out',
  signIn: {
    title: 'Sign in to the console',
    viaSpir: "Open the webhooks console from your team's settings in Spir: it opens this page signed in.",
    openSpir: 'Sign in through Spir',
    withKey: 'Developers can also sign in with a full-scope team API key.',
    apiKey: 'Team API key',
    submit: 'Sign in',
  },
  events: {
    'event.confirmed': 'Event confirmed',
    'event.canceled': 'Event canceled',
    'form.answered': 'Form answered',
  },
  webhooks: {
    title: 'Webhooks',
    none: 'None registered yet.',
    url: 'Webhook URL',
    add: 'Add',
    rulesOk: 'This URL can be registered.',
    rulesHint: 'Enter an https URL with a public host name (no IP address, no localhost).',
    secretOnce: 'Signing secret (shown this once):',
    copy: 'Copy',
    copied: 'Copied',
    rotate: 'Rotate secret',
    remove: 'Delete',
    confirmRemove: 'Delete this webhook?',
    test: 'Send a test',
    testOk: 'The test was delivered',
    testFailed: 'The test failed',
    kind: { endpoint: 'Registered URL', subscription: 'Integration' },
  },
  deliveries: {
    title: 'Deliveries',
    event: 'Event',
    status: 'Status',
    webhook: 'Webhook',
    since: 'From',
    until: 'Before',
    all: 'All',
    filter: 'Filter',
    more: 'Show more',
    none: 'No delivery matches.',
    created: 'Created',
    statuses: { pending: 'Sending', succeeded: 'Succeeded', failed: 'Failed', canceled: 'Canceled' },
  },
  delivery: {
    back: 'Back to deliveries',
    attempt: (n: number) => `Attempt ${n}`,
    round: (n: number) => `Round ${n}`,
    duration: 'Duration',
    request: 'Request headers',
    body: 'Body sent',
    response: 'Response',
    error: 'Error',
    nextRetry: 'Next retry',
    resend: 'Resend',
    resent: 'Resend started',
    notFound: 'This delivery was not found.',
    cancelReason: 'Why it was canceled',
    deviations: 'Differences from the contract',
    deviationsNote:
      'This event differs from the typed contract; it was delivered exactly as Spir sent it. Receivers should not rely on the fields below.',
  },
  recover: {
    title: 'Resend failed deliveries',
    explain:
      'Once the receiving side is back, resend every delivery created since a moment that finally failed (once a minute).',
    since: 'Created since',
    button: 'Resend failed deliveries',
    done: (n: number, more: boolean) =>
      `Resending ${n} ${n === 1 ? 'delivery' : 'deliveries'}.${more ? ' More remain: run it again in a minute.' : ''}`,
  },
  recent: { title: 'Recent events', none: 'No events yet.' },
  errors: { generic: 'Something went wrong' },
};

export const texts: Record<Language, Texts> = { ja, en };
