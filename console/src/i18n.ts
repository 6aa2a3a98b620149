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
  nav: { webhooks: 'Webhook', deliveries: '送信履歴', events: '最近のイベント', catalog: 'イベント一覧' },
  signOut: 'サインアウト',
  signIn: {
    title: 'コンソールにサインイン',
    viaSpir: 'Spirのチーム設定から「Webhook コンソール」を開くと、サインインした状態でこの画面が開きます。',
    openSpir: 'Spirからサインイン',
    withKey: '開発者の方は、フルスコープのチームAPIキーでもサインインできます。',
    apiKey: 'チームAPIキー',
    submit: 'サインイン',
    ended: 'セッションが終了しました（有効期限切れ、またはキーの取り消し）。もう一度サインインしてください。',
    insecure: (host: string) =>
      `このページは暗号化されていない http で ${host} から開かれています。ブラウザはセッションのCookie（Secure）を保存しないため、サインインしてもこの画面に戻ります。https のURLで開くか、運用担当者に https の設定を依頼してください。`,
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
    testDetails: '送信履歴で見る',
    kind: { endpoint: '登録URL', subscription: '連携サービス' },
    atLimit: (n: number) =>
      `このイベントに登録できるURLは${n}件までで、上限に達しています。別のURLを使うには今のURLを削除するか、上限の引き上げをSpirにご相談ください。`,
    rotateExplain:
      'シークレットを更新しますか？ 新しいシークレットで署名を始めます。古いシークレットも24時間は並行して署名に使われるので、その間に受信側を新しいシークレットに切り替えてください。漏えいした場合は、古いシークレットをすぐに無効にできます。',
    rotateKeep: '更新する（古いものは24時間有効）',
    rotateEndNow: '更新して古いものをすぐ無効にする',
    cancel: 'やめる',
    previousSecretUntil: (iso: string, language: 'ja' | 'en') =>
      `古いシークレットも ${new Date(iso).toLocaleString(language === 'ja' ? 'ja-JP' : 'en-GB')} まで署名に使われます。`,
  },
  health: {
    verdict: { healthy: '正常', failing: '失敗中', quiet: '24時間送信なし' },
    lastAttempt: '最後の送信',
    successRate: '成功率（24時間）',
    consecutiveFailures: '連続失敗',
    none: 'なし',
    noAnswer: '応答なし',
    rate: (percent: number, ok: number, all: number) => `${percent}%（${all}回中${ok}回成功）`,
  },
  failing: {
    since: (at: string) => `${at} から失敗が続いています。`,
    failed: (n: number) => `最終的に失敗した送信: ${n}件`,
    nextOn: (n: number) =>
      `受信側が再び応答したら、この${n}件を古い順に自動で再送します。応答がなくても、定期的に確認の送信を行います。`,
    nextOff: '自動再送はオフです。自動では何も再送しません。回復したら送信履歴からまとめて再送してください。',
    switchLabel: '回復したら自動で再送する',
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
    booking: '予定',
    starts: '開始',
    search: '検索',
    searchHint: 'webhookEventId または招待者のメールアドレス',
    statuses: { pending: '送信中', succeeded: '成功', failed: '失敗', canceled: 'キャンセル' },
    test: 'テスト送信',
  },
  delivery: {
    back: '送信履歴に戻る',
    attempt: (n: number) => `${n}回目`,
    round: (n: number) => `${n}巡目`,
    duration: '所要時間',
    request: 'リクエストヘッダー',
    body: '送信した本文',
    response: '応答',
    responseHeaders: '応答ヘッダー',
    emptyBody: '（本文なし）',
    sameAnswer: (attempt: string) => `${attempt}と同じ応答でした。`,
    sameAnswers: (from: number, to: number, first: number) =>
      `${from === to ? `${from}回目` : `${from}〜${to}回目`}: ${first}回目と同じ応答`,
    trimmedAnswer: 'この配信が保存できる応答の量を超えたため、ステータスだけを残しました。',
    error: 'エラー',
    nextRetry: '次の再試行',
    resend: '再送',
    resent: '再送を開始しました',
    testNotResent: 'テスト送信は再送しません。もう一度試すには、Webhook の画面からテスト送信してください。',
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
    failedCount: (n: number, more: boolean) =>
      more ? `最終的に失敗した送信が${n}件以上あります。` : `最終的に失敗した送信が${n}件あります。`,
    button: '失敗した送信を再送',
    done: (n: number, more: boolean) =>
      `${n}件の再送を開始しました。${more ? 'まだ残りがあります。1分後にもう一度実行してください。' : ''}`,
  },
  recent: { title: '最近のイベント', none: 'まだイベントはありません。' },
  catalog: {
    title: 'イベント一覧',
    intro:
      'Spirが送るイベントの種類と、その項目の意味です。「未確認」の項目名は、Spirの実際の送信でまだ確認されていない推定の名前です。受信側では欠けていても動くようにしてください。',
    fieldsOf: (name: string) => `${name} の項目`,
    field: '項目',
    type: '型',
    required: '必須',
    description: '説明',
    source: '出典',
    yes: 'はい',
    no: 'いいえ',
    sources: { seen: '確認済み', reconstructed: '未確認' },
    sample: 'サンプル',
    jsonSchema: 'JSON Schema',
  },
  states: {
    loading: '読み込み中…',
    failed: '読み込めませんでした。',
    offline: 'サーバーに接続できません。ネットワークを確認してください。',
    retry: '再試行',
    notAsExpected: '契約と異なる値',
  },
  errors: { generic: 'エラーが発生しました' },
};

export type Texts = typeof ja;

const en: Texts = {
  appTitle: 'Spir Webhooks console',
  language: '日本語',
  nav: { webhooks: 'Webhooks', deliveries: 'Deliveries', events: 'Recent events', catalog: 'Event types' },
  signOut: 'Sign out',
  signIn: {
    title: 'Sign in to the console',
    viaSpir: "Open the webhooks console from your team's settings in Spir: it opens this page signed in.",
    openSpir: 'Sign in through Spir',
    withKey: 'Developers can also sign in with a full-scope team API key.',
    apiKey: 'Team API key',
    submit: 'Sign in',
    ended: 'Your session ended (it expired, or its key was revoked). Sign in again.',
    insecure: (host: string) =>
      `This page was opened over plain http from ${host}. Browsers do not keep the session cookie (it is Secure) there, so signing in brings you back to this page. Open the console over https, or ask your operator to set https up.`,
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
    testDetails: 'See it in deliveries',
    kind: { endpoint: 'Registered URL', subscription: 'Integration' },
    atLimit: (n: number) =>
      `This team has reached its limit of ${n} URL${n === 1 ? '' : 's'} for this event. Delete one to register another, or ask Spir to raise the limit.`,
    rotateExplain:
      'Rotate the signing secret? Spir starts signing with a new secret. The old one keeps signing alongside it for 24 hours, so that your receiver can switch over without missing events. If the old secret leaked, end it now instead.',
    rotateKeep: 'Rotate (old secret valid 24 h)',
    rotateEndNow: 'Rotate and end the old secret now',
    cancel: 'Cancel',
    previousSecretUntil: (iso: string, language: 'ja' | 'en') =>
      `The previous secret also signs until ${new Date(iso).toLocaleString(language === 'ja' ? 'ja-JP' : 'en-GB')}.`,
  },
  health: {
    verdict: { healthy: 'Healthy', failing: 'Failing', quiet: 'No attempts in 24 h' },
    lastAttempt: 'Last attempt',
    successRate: 'Success rate (24 h)',
    consecutiveFailures: 'Failures in a row',
    none: 'None',
    noAnswer: 'no answer',
    rate: (percent: number, ok: number, all: number) => `${percent}% (${ok} of ${all})`,
  },
  failing: {
    since: (at: string) => `Failing since ${at}.`,
    failed: (n: number) => `Deliveries that finally failed: ${n}`,
    nextOn: (n: number) =>
      `When the receiver answers again, ${n === 1 ? 'this delivery is' : `these ${n} deliveries are`} sent again, oldest first. Until then it is probed now and then.`,
    nextOff:
      'Automatic redelivery is off: nothing is sent again on its own. Once it is back, resend them from Deliveries.',
    switchLabel: 'Resend automatically once it answers again',
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
    booking: 'Booking',
    starts: 'Starts',
    search: 'Search',
    searchHint: 'webhookEventId or invitee email',
    statuses: { pending: 'Sending', succeeded: 'Succeeded', failed: 'Failed', canceled: 'Canceled' },
    test: 'Test',
  },
  delivery: {
    back: 'Back to deliveries',
    attempt: (n: number) => `Attempt ${n}`,
    round: (n: number) => `Round ${n}`,
    duration: 'Duration',
    request: 'Request headers',
    body: 'Body sent',
    response: 'Response',
    responseHeaders: 'Response headers',
    emptyBody: '(empty body)',
    sameAnswer: (attempt: string) => `Same answer as ${attempt}.`,
    sameAnswers: (from: number, to: number, first: number) =>
      `${from === to ? `Attempt ${from}` : `Attempts ${from}–${to}`}: the same answer as attempt ${first}`,
    trimmedAnswer: "Trimmed: only the status was kept, as this delivery's answers passed what one delivery may store.",
    error: 'Error',
    nextRetry: 'Next retry',
    resend: 'Resend',
    resent: 'Resend started',
    testNotResent: 'A test send is not resent. To try again, send a new test from the Webhooks page.',
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
    failedCount: (n: number, more: boolean) =>
      more ? `${n} or more deliveries finally failed.` : `${n} ${n === 1 ? 'delivery' : 'deliveries'} finally failed.`,
    button: 'Resend failed deliveries',
    done: (n: number, more: boolean) =>
      `Resending ${n} ${n === 1 ? 'delivery' : 'deliveries'}.${more ? ' More remain: run it again in a minute.' : ''}`,
  },
  recent: { title: 'Recent events', none: 'No events yet.' },
  catalog: {
    title: 'Event types',
    intro:
      "The events Spir sends and what their fields mean. A field marked “Reconstructed” has a name Spir's real traffic has not yet confirmed: receivers should work without it.",
    fieldsOf: (name: string) => `Fields of ${name}`,
    field: 'Field',
    type: 'Type',
    required: 'Required',
    description: 'Description',
    source: 'Source',
    yes: 'Yes',
    no: 'No',
    sources: { seen: 'Confirmed', reconstructed: 'Reconstructed' },
    sample: 'Sample',
    jsonSchema: 'JSON Schema',
  },
  states: {
    loading: 'Loading…',
    failed: 'This could not be loaded.',
    offline: 'The console cannot reach its server. Check the network.',
    retry: 'Try again',
    notAsExpected: 'not as the contract expects',
  },
  errors: { generic: 'Something went wrong' },
};

export const texts: Record<Language, Texts> = { ja, en };

/** An event's name for people: the translated one, or the name as sent for one this console does not know. */
export const eventLabel = (t: Texts, name: string): string => t.events[name as keyof Texts['events']] ?? name;
