import type { WebhookEventName } from './schemas';

/** Whether Spir's real traffic has shown a name (CONTRACT.md's "source" column), or we reconstructed it. */
export type FieldSource = 'seen' | 'reconstructed';

export interface FieldDescription {
  ja: string;
  en: string;
  source: FieldSource;
}

const seen = (ja: string, en: string): FieldDescription => ({ ja, en, source: 'seen' });
const reconstructed = (ja: string, en: string): FieldDescription => ({ ja, en, source: 'reconstructed' });

// Paths as the catalog writes them: `payload.invitee.email`, array items as `[]`. CONTRACT.md is
// the prose; this is the same table for the console (fieldCatalog.test.ts keeps them in step with
// the schemas: every field described, no description without a field).
const common: Record<string, FieldDescription> = {
  webhookEventName: seen('イベントの種類', 'The event type'),
  webhookEventId: seen(
    'イベントごとに一意のID。再試行・再送でも同じ値（webhook-id ヘッダーと同じ）',
    'Unique per event; the same on every retry and resend (also the webhook-id header)',
  ),
  payload: seen('イベントの内容', 'What happened'),
  'payload.originalUrl': seen(
    '使われた空き時間リンクのURL（リンクを一意に識別）',
    'The availability link used; identifies it',
  ),
  'payload.privateTitle': seen(
    'リンクの管理用タイトル（管理画面のみに表示）',
    "The link's private title (dashboard only)",
  ),
  'payload.confirmedAt': seen(
    '日程が確定した日時（開催日時ではない）',
    'When the schedule was confirmed (not when it takes place)',
  ),
  'payload.title': seen(
    '予定のタイトル（{公開タイトル}:{招待者}x{主催者}）',
    'Title of the schedule ({public title}:{invitee}x{organizer})',
  ),
  'payload.startDateTime': seen('予定の開始日時', 'Start of the schedule'),
  'payload.endDateTime': seen('予定の終了日時', 'End of the schedule'),
  'payload.timeZone': seen('招待者のタイムゾーン（例: Asia/Tokyo）', "The invitee's time zone (e.g. Asia/Tokyo)"),
  'payload.organizer': seen('リンクに設定された主催者', 'The organizer set on the link'),
  'payload.organizer.name': seen('主催者の名前', "The organizer's name"),
  'payload.organizer.email': seen('主催者のメールアドレス', "The organizer's email"),
  'payload.attendeesFromOrganizerSide': seen('主催者側の参加者', "Attendees from the organizer's side"),
  'payload.attendeesFromOrganizerSide[].name': reconstructed(
    '参加者の名前（要素の形は未確認）',
    "An attendee's name (item shape unconfirmed)",
  ),
  'payload.attendeesFromOrganizerSide[].email': reconstructed(
    '参加者のメールアドレス（要素の形は未確認）',
    "An attendee's email (item shape unconfirmed)",
  ),
  'payload.invitee': seen('リンクを受け取り日程を選んだ人', 'Who received the link and picked the slot'),
  'payload.invitee.name': seen('招待者の名前', "The invitee's name"),
  'payload.invitee.email': seen('招待者のメールアドレス', "The invitee's email"),
  'payload.invitee.language': seen('招待者の言語（"JA"、"EN"）', 'The invitee\'s language ("JA", "EN")'),
  'payload.attendeesFromInviteeSide': seen('招待者側の参加者', "Attendees from the invitee's side"),
  'payload.attendeesFromInviteeSide[].name': reconstructed(
    '参加者の名前（要素の形は未確認）',
    "An attendee's name (item shape unconfirmed)",
  ),
  'payload.attendeesFromInviteeSide[].email': reconstructed(
    '参加者のメールアドレス（要素の形は未確認）',
    "An attendee's email (item shape unconfirmed)",
  ),
  'payload.formAnswers': seen('リンクのフォームへの回答（フォームの順）', "Answers to the link's form, in form order"),
  'payload.formAnswers[].questionId': seen('質問のID', 'The question id'),
  'payload.formAnswers[].question': seen('質問文', 'The question'),
  'payload.formAnswers[].answer': seen('回答', 'The answer'),
  'payload.rooms': seen('会議室（空で観測、要素の形は未確認）', 'Meeting rooms (seen empty; item shape unconfirmed)'),
  'payload.source': seen('リンクが開かれた経路（意味は未確認）', 'How the link was opened (meaning unconfirmed)'),
  'payload.source.url': seen('開かれたURL', 'The URL it was opened with'),
  'payload.source.url.query': seen('そのクエリ文字列', 'Its query string'),
  'payload.onlineMeeting': seen('ビデオ会議の情報', 'Video call details'),
  'payload.onlineMeeting.type': seen(
    '会議ツール（Zoom、Google Meet、Teams など。値は未確認）',
    'Meeting tool (Zoom, Google Meet, Teams; values unconfirmed)',
  ),
  'payload.onlineMeeting.url': seen('会議のURL（ツール未連携なら空）', 'Meeting URL (empty when no tool is connected)'),
  'payload.onlineMeeting.password': seen('会議のパスワード', 'Meeting password'),
  'payload.utmParameters': seen(
    'UTMパラメーター付きで開かれたときのみ（キーは未確認）',
    'Only when opened with UTM parameters (keys unconfirmed)',
  ),
  'payload.cancelReason': reconstructed(
    'キャンセルの理由（自由記述、空のこともある）',
    'Why it was canceled (free text, may be empty)',
  ),
  'payload.canceledAt': reconstructed('キャンセルされた日時', 'When it was canceled'),
};

// form.answered: no public sample of its body exists, so every payload name is reconstructed.
const formAnswered: Record<string, FieldDescription> = {
  'payload.originalUrl': reconstructed(
    'フォームが回答された空き時間リンクのURL',
    'The availability link whose form was answered',
  ),
  'payload.privateTitle': reconstructed('リンクの管理用タイトル', "The link's private title"),
  'payload.answeredAt': reconstructed('フォームが送信された日時', 'When the form was submitted'),
  'payload.invitee': reconstructed('回答した人', 'Who answered'),
  'payload.invitee.name': reconstructed('回答者の名前', "The answerer's name"),
  'payload.invitee.email': reconstructed('回答者のメールアドレス', "The answerer's email"),
  'payload.invitee.language': reconstructed('回答者の言語', "The answerer's language"),
  'payload.formAnswers': reconstructed('回答の一覧', 'The answers'),
  'payload.formAnswers[].questionId': reconstructed('質問のID', 'The question id'),
  'payload.formAnswers[].question': reconstructed('質問文', 'The question'),
  'payload.formAnswers[].answer': reconstructed('回答', 'The answer'),
};

export function describeField(event: WebhookEventName, path: string): FieldDescription | undefined {
  return (event === 'form.answered' ? formAnswered[path] : undefined) ?? common[path];
}

/** Every path described, for the test that keeps this table and the schemas in step. */
export const describedPaths = { common: Object.keys(common), formAnswered: Object.keys(formAnswered) };
