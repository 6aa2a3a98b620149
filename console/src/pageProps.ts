import type { Language, Texts } from './i18n';

/** What every page is given: the texts and the language the person reads. */
export interface PageProps {
  t: Texts;
  language: Language;
}
