import { useEffect, useState } from 'react';
import { call, loadSession, sessionEndedEvent, type SessionState } from './api';
import { CatalogPage } from './CatalogPage';
import { DeliveriesPage } from './DeliveriesPage';
import { DeliveryPage } from './DeliveryPage';
import { EventsPage } from './EventsPage';
import { initialLanguage, texts, type Language } from './i18n';
import { SignIn } from './SignIn';
import { WebhooksPage } from './WebhooksPage';

/** The page a hash names: #/webhooks, #/deliveries, #/deliveries/<id>, #/events, #/catalog. */
function useRoute(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#/, '') || '/webhooks';
}

type AppState = SessionState & { ended?: boolean };

function Page({ route, ...props }: { route: string } & Parameters<typeof WebhooksPage>[0]) {
  const detail = /^\/deliveries\/([\w-]+)$/.exec(route);
  if (detail) return <DeliveryPage {...props} id={detail[1]!} />;
  if (route.startsWith('/deliveries')) return <DeliveriesPage {...props} />;
  if (route.startsWith('/events')) return <EventsPage {...props} />;
  if (route.startsWith('/catalog')) return <CatalogPage {...props} />;
  return <WebhooksPage {...props} />;
}

export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const [state, setState] = useState<AppState | 'loading' | 'unreachable'>('loading');
  const route = useRoute();
  const t = texts[language];

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t.appTitle;
  }, [language, t]);
  const start = (ended: boolean) =>
    void loadSession().then(
      (loaded) => setState({ ...loaded, ended }),
      () => setState('unreachable'),
    );
  useEffect(() => {
    start(false);
    // A 401 mid-session (the session expired, or its key was revoked): back to sign-in, saying why.
    const ended = () => start(true);
    window.addEventListener(sessionEndedEvent, ended);
    return () => window.removeEventListener(sessionEndedEvent, ended);
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

  if (state === 'loading')
    return (
      <main className="narrow">
        <p role="status">{t.states.loading}</p>
      </main>
    );
  if (state === 'unreachable')
    return (
      <main className="narrow">
        <h1>{t.appTitle}</h1>
        <p role="alert">{t.states.offline}</p>
        <button type="button" onClick={() => window.location.reload()}>
          {t.states.retry}
        </button>
      </main>
    );
  if (!('session' in state)) {
    return (
      <SignIn
        t={t}
        language={language}
        loginUrl={state.loginUrl}
        ended={state.ended === true}
        languageButton={languageButton}
      />
    );
  }
  const signOut = async () => {
    await call('DELETE', '/console/session').catch(() => undefined);
    window.location.reload();
  };
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
          {link('/catalog', t.nav.catalog)}
        </nav>
        <div className="tools">
          {languageButton}
          <button type="button" className="link" onClick={() => void signOut()}>
            {t.signOut}
          </button>
        </div>
      </header>
      <main>
        <Page route={route} t={t} language={language} />
      </main>
    </>
  );
}
