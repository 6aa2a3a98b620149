import type { FormAnswer, Person, WebhookEvent } from '@spir-webhooks/shared-types';
import { unknownFieldsOf } from './flattenPayload';

/**
 * One flat Zapier item per event: scalar fields for simple mapping, each form answer as a field
 * of its own (`formAnswer__<questionId>`, so a Zap maps "the answer to 会社・団体名" into a CRM
 * field), people and answers joined into text (for a Slack message or an email) and as line items
 * (for a spreadsheet row per attendee or per answer). `id` is the webhookEventId.
 */
export type ZapierItem = Record<string, string | null | { [key: string]: string }[]>;

const names = (people: readonly Person[]) => people.map((p) => p.name).join(', ');
const emails = (people: readonly Person[]) => people.map((p) => p.email).join(', ');
const answersText = (answers: readonly FormAnswer[]) => answers.map((a) => `${a.question}: ${a.answer}`).join('\n');
const lineItems = (rows: readonly object[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, String(value)])));

/** The prefix of the one-field-per-question keys. */
const answerPrefix = 'formAnswer__';
const utmPrefix = 'utmParameters__';

function answerFields(answers: readonly FormAnswer[]): Record<string, string> {
  return Object.fromEntries(answers.map((a) => [`${answerPrefix}${a.questionId}`, a.answer]));
}

/** The item of a conforming event: its typed fields, then any field Spir added since, flattened. */
export function toZapierItem(event: WebhookEvent): ZapierItem {
  return { ...typedItemOf(event), ...unknownFieldsOf(event) };
}

function typedItemOf(event: WebhookEvent): ZapierItem {
  const common = {
    id: event.webhookEventId,
    webhookEventName: event.webhookEventName,
    webhookEventId: event.webhookEventId,
    originalUrl: event.payload.originalUrl,
    privateTitle: event.payload.privateTitle,
    inviteeName: event.payload.invitee.name,
    inviteeEmail: event.payload.invitee.email,
    inviteeLanguage: event.payload.invitee.language ?? null,
    ...answerFields(event.payload.formAnswers),
    formAnswersText: answersText(event.payload.formAnswers),
    formAnswers: lineItems(event.payload.formAnswers),
  };
  if (event.webhookEventName === 'form.answered') return { ...common, answeredAt: event.payload.answeredAt };
  const p = event.payload;
  const schedule = {
    ...common,
    confirmedAt: p.confirmedAt,
    title: p.title,
    startDateTime: p.startDateTime,
    endDateTime: p.endDateTime,
    timeZone: p.timeZone,
    organizerName: p.organizer.name,
    organizerEmail: p.organizer.email,
    attendeesFromOrganizerSideNames: names(p.attendeesFromOrganizerSide),
    attendeesFromOrganizerSideEmails: emails(p.attendeesFromOrganizerSide),
    attendeesFromInviteeSideNames: names(p.attendeesFromInviteeSide),
    attendeesFromInviteeSideEmails: emails(p.attendeesFromInviteeSide),
    attendeesFromOrganizerSide: lineItems(p.attendeesFromOrganizerSide),
    attendeesFromInviteeSide: lineItems(p.attendeesFromInviteeSide),
  };
  if (event.webhookEventName === 'event.canceled') {
    return { ...schedule, cancelReason: event.payload.cancelReason, canceledAt: event.payload.canceledAt };
  }
  const { onlineMeeting, utmParameters } = event.payload;
  return {
    ...schedule,
    onlineMeetingType: onlineMeeting.type,
    onlineMeetingUrl: onlineMeeting.url,
    onlineMeetingPassword: onlineMeeting.password ?? null,
    ...Object.fromEntries(Object.entries(utmParameters ?? {}).map(([key, value]) => [`${utmPrefix}${key}`, value])),
  };
}

export interface OutputField {
  key: string;
  label: string;
  type?: 'string' | 'datetime';
}

const labels: Record<string, [string, OutputField['type']?]> = {
  id: ['Event ID'],
  webhookEventName: ['Event Type'],
  webhookEventId: ['Webhook Event ID'],
  originalUrl: ['Availability Link URL'],
  privateTitle: ['Availability Link Private Title'],
  inviteeName: ['Invitee Name'],
  inviteeEmail: ['Invitee Email'],
  inviteeLanguage: ['Invitee Language'],
  formAnswersText: ['Form Answers (Text)'],
  'formAnswers[]questionId': ['Form Answer (Line Item) Question ID'],
  'formAnswers[]question': ['Form Answer (Line Item) Question'],
  'formAnswers[]answer': ['Form Answer (Line Item) Answer'],
  confirmedAt: ['Confirmed At', 'datetime'],
  title: ['Schedule Title'],
  startDateTime: ['Start', 'datetime'],
  endDateTime: ['End', 'datetime'],
  timeZone: ['Time Zone'],
  organizerName: ['Organizer Name'],
  organizerEmail: ['Organizer Email'],
  attendeesFromOrganizerSideNames: ['Organizer-Side Attendee Names'],
  attendeesFromOrganizerSideEmails: ['Organizer-Side Attendee Emails'],
  attendeesFromInviteeSideNames: ['Invitee-Side Attendee Names'],
  attendeesFromInviteeSideEmails: ['Invitee-Side Attendee Emails'],
  'attendeesFromOrganizerSide[]name': ['Organizer-Side Attendee (Line Item) Name'],
  'attendeesFromOrganizerSide[]email': ['Organizer-Side Attendee (Line Item) Email'],
  'attendeesFromInviteeSide[]name': ['Invitee-Side Attendee (Line Item) Name'],
  'attendeesFromInviteeSide[]email': ['Invitee-Side Attendee (Line Item) Email'],
  onlineMeetingType: ['Online Meeting Type'],
  onlineMeetingUrl: ['Online Meeting URL'],
  onlineMeetingPassword: ['Online Meeting Password'],
  cancelReason: ['Cancel Reason'],
  canceledAt: ['Canceled At', 'datetime'],
  answeredAt: ['Answered At', 'datetime'],
};

/** The label of a key that depends on the event: one per form question or UTM parameter. */
function dynamicLabel(key: string, item: ZapierItem): string | undefined {
  if (key.startsWith(utmPrefix)) return `UTM Parameter ${key.slice(utmPrefix.length)}`;
  if (!key.startsWith(answerPrefix) || !Array.isArray(item.formAnswers)) return undefined;
  const questionId = key.slice(answerPrefix.length);
  const question = item.formAnswers.find((answer) => answer.questionId === questionId)?.question ?? questionId;
  return `Form Answer: ${question}`;
}

/** A human label for every field that `toZapierItem` gives for this event name. */
export function outputFieldsFor(item: ZapierItem): OutputField[] {
  const keys = Object.entries(item).flatMap(([key, value]) =>
    Array.isArray(value) ? Object.keys(value[0] ?? {}).map((sub) => `${key}[]${sub}`) : [key],
  );
  return keys.map((key) => {
    const label = labels[key] ?? [dynamicLabel(key, item)];
    if (label[0] === undefined) throw new Error(`no output field label for ${key}`);
    return { key, label: label[0], ...(label[1] === undefined ? {} : { type: label[1] }) };
  });
}
