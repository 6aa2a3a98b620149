import type { Language, Texts } from './i18n';

/**
 * A field of an event as Spir sent it, for display: a string as it is; anything else (an event that
 * deviates from the contract) as its JSON, marked, so that a page never fails on what it shows.
 */
export function sentText(value: unknown, t: Texts): string {
  if (typeof value === 'string') return value;
  return `${JSON.stringify(value) ?? String(value)} (${t.states.notAsExpected})`;
}

/** A date-time Spir sent: as localAndUtc when it is one, otherwise as sent, marked. */
export function sentDateTime(value: string, language: Language, t: Texts): string {
  return Number.isNaN(Date.parse(value)) ? `${value} (${t.states.notAsExpected})` : localAndUtc(value, language);
}

/** A time in the viewer's own time zone, with UTC beside it. */
export function localAndUtc(iso: string, language: Language): string {
  const at = new Date(iso);
  const local = at.toLocaleString(language === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
  return `${local} (${at
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')})`;
}
