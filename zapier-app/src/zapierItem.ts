import type { Person, WebhookEvent } from '@spir-webhooks/shared-types';

/**
 * One flat Zapier item per event: scalar fields for simple mapping, people and answers both
 * joined into text (for a Slack message or an email) and as line items (for a spreadsheet row
 * per attendee or per answer). `id` is the webhookEventId, so Zapier de-duplicates retries.
 */
export type ZapierItem = Record<string, string | null | { [key: string]: string }[]>;

const names = (people: readonly Person[]) => people.map((p) => p.name).join(', ');
const emails = (people: readonly Person[]) => people.map((p) => p.email).join(', ');
const answersText = (answers: readonly { question: string; answer: string }[]) =>
  answers.map((a) => `${a.question}: ${a.answer}`).join('\n');

export function toZapierItem(event: WebhookEvent): ZapierItem {
  const common = {
    id: event.webhookEventId,
    webhookEventName: event.webhookEventName,
    webhookEventId: event.webhookEventId,
  };
  if (event.webhookEventName === 'form.answered') {
    const p = event.payload;
    return {
      ...common,
      originalUrl: p.originalUrl,
      managementTitle: p.managementTitle,
      answeredAt: p.answeredAt,
      answererName: p.answerer.name,
      answererEmail: p.answerer.email,
      formAnswersText: answersText(p.formAnswers),
      formAnswers: p.formAnswers.map((a) => ({ ...a })),
    };
  }
  const p = event.payload;
  const schedule = {
    ...common,
    originalUrl: p.originalUrl,
    managementTitle: p.managementTitle,
    confirmedAt: p.confirmedAt,
    title: p.title,
    start: p.start,
    end: p.end,
    timeZone: p.timeZone,
    organizerName: p.organizer.name,
    organizerEmail: p.organizer.email,
    organizerAttendeeNames: names(p.organizerAttendees),
    organizerAttendeeEmails: emails(p.organizerAttendees),
    confirmerName: p.confirmer.name,
    confirmerEmail: p.confirmer.email,
    confirmerAttendeeNames: names(p.confirmerAttendees),
    confirmerAttendeeEmails: emails(p.confirmerAttendees),
    organizerAttendees: p.organizerAttendees.map((a) => ({ ...a })),
    confirmerAttendees: p.confirmerAttendees.map((a) => ({ ...a })),
    formAnswersText: answersText(p.formAnswers),
    formAnswers: p.formAnswers.map((a) => ({ ...a })),
  };
  if (event.webhookEventName === 'event.canceled') {
    return { ...schedule, cancelReason: event.payload.cancelReason, canceledAt: event.payload.canceledAt };
  }
  const { videoConference, utm } = event.payload;
  return {
    ...schedule,
    videoConferenceService: videoConference.service,
    videoConferenceUrl: videoConference.url,
    utmSource: utm?.source ?? null,
    utmMedium: utm?.medium ?? null,
    utmCampaign: utm?.campaign ?? null,
    utmTerm: utm?.term ?? null,
    utmContent: utm?.content ?? null,
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
  originalUrl: ['Availability URL'],
  managementTitle: ['Management Title'],
  confirmedAt: ['Confirmed At', 'datetime'],
  title: ['Schedule Title'],
  start: ['Start', 'datetime'],
  end: ['End', 'datetime'],
  timeZone: ['Time Zone'],
  organizerName: ['Organizer Name'],
  organizerEmail: ['Organizer Email'],
  organizerAttendeeNames: ['Organizer-Side Attendee Names'],
  organizerAttendeeEmails: ['Organizer-Side Attendee Emails'],
  confirmerName: ['Confirmer Name'],
  confirmerEmail: ['Confirmer Email'],
  confirmerAttendeeNames: ['Confirmer-Side Attendee Names'],
  confirmerAttendeeEmails: ['Confirmer-Side Attendee Emails'],
  'organizerAttendees[]name': ['Organizer-Side Attendee (Line Item) Name'],
  'organizerAttendees[]email': ['Organizer-Side Attendee (Line Item) Email'],
  'confirmerAttendees[]name': ['Confirmer-Side Attendee (Line Item) Name'],
  'confirmerAttendees[]email': ['Confirmer-Side Attendee (Line Item) Email'],
  formAnswersText: ['Form Answers (Text)'],
  'formAnswers[]question': ['Form Answer (Line Item) Question'],
  'formAnswers[]answer': ['Form Answer (Line Item) Answer'],
  videoConferenceService: ['Video Conference Service'],
  videoConferenceUrl: ['Video Conference URL'],
  utmSource: ['UTM Source'],
  utmMedium: ['UTM Medium'],
  utmCampaign: ['UTM Campaign'],
  utmTerm: ['UTM Term'],
  utmContent: ['UTM Content'],
  cancelReason: ['Cancel Reason'],
  canceledAt: ['Canceled At', 'datetime'],
  answeredAt: ['Answered At', 'datetime'],
  answererName: ['Answerer Name'],
  answererEmail: ['Answerer Email'],
};

/** A human label for every field that `toZapierItem` gives for this event name. */
export function outputFieldsFor(item: ZapierItem): OutputField[] {
  const keys = Object.entries(item).flatMap(([key, value]) =>
    Array.isArray(value) ? Object.keys(value[0] ?? {}).map((sub) => `${key}[]${sub}`) : [key],
  );
  return keys.map((key) => {
    const label = labels[key];
    if (label === undefined) throw new Error(`no output field label for ${key}`);
    return { key, label: label[0], ...(label[1] === undefined ? {} : { type: label[1] }) };
  });
}
