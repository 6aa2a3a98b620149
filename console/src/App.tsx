import { useEffect, useState } from 'react';
import { call, loadSession, type Session } from './api';
import { DeliveriesPage } from './DeliveriesPage';
import { DeliveryPage } from './DeliveryPage';
import { EventsPage } from './EventsPage';
import { initialLanguage, texts, type Language } from './i18n';
import { SignIn } from './SignIn';
import { WebhooksPage } from './WebhooksPage';

/** The page a hash names: #/webhooks, #/deliveries, #/deliveries/<id>, #/events. */
function useRoute(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#/, '') || '/webhooks';
}

export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const [state, setState] = useState<{ session: Session } | { loginUrl: string | null } | undefined>();
  const route = useRoute();
  const t = texts[language];

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t.appTitle;
  }, [language, t]);
  useEffect(() => {
    void loadSession().then(setState);
  }, []);

  const switchLanguage = () => {
    const next = language === 'ja' ? 'en' : 'ja';
    localStorage.setItem('spir-console-language', next);
    setLanguage(next);
  };
  const languageButton = (
    <button type="button" className="link" onClick={switchLanguage} lang={language === 'ja' ? 'en' : 'ja'}>
      {t.language}
    </button>
  );

  if (state === undefined) return null;
  if (!('session' in state)) {
    return <SignIn t={t} language={language} loginUrl={state.loginUrl} languageButton={languageButton} />;
  }
  const signOut = async () => {
    await call('DELETE', '/console/session');
    window.location.reload();
  };
  const detail = /^\/deliveries\/([\w-]+)$/.exec(route);
  const page = detail ? (
    <DeliveryPage t={t} language={language} id={detail[1]!} />
  ) : route.startsWith('/deliveries') ? (
    <DeliveriesPage t={t} language={language} />
  ) : route.startsWith('/events') ? (
    <EventsPage t={t} language={language} />
  ) : (
    <WebhooksPage t={t} language={language} />
  );
  const link = (path: string, label: string) => (
    <a href={`#${path}`} aria-current={route.startsWith(path) ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <p className="brand">
          {t.appTitle} <span className="team">{state.session.teamName}</span>
        </p>
        <nav aria-label={t.appTitle}>
          {link('/webhooks', t.nav.webhooks)}
          {link('/deliveries', t.nav.deliveries)}
          {link('/events', t.nav.events)}
        </nav>
        <div className="tools">
          {languageButton}
          <button type="button" className="link" onClick={() => void signOut()}>
            {t.signOut}
          </button>
        </div>
      </header>
      <main>{page}</main>
    </>
  );
}
