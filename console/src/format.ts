import type { Language } from './i18n';

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
