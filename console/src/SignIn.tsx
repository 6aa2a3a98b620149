import { useState, type FormEvent, type ReactNode } from 'react';
import { problemMessage, call } from './api';
import type { PageProps } from './pageProps';

/**
 * The session cookie is Secure: a browser keeps it over https, and over plain http only on
 * localhost. Anywhere else it drops it silently, and every sign-in ends back here.
 */
const cookieWillBeDropped = () => !window.isSecureContext;

/** Shown without a session: how to get one (through Spir, or with a key for developers). */
export function SignIn({
  t,
  loginUrl,
  ended,
  languageButton,
}: PageProps & { loginUrl: string | null; ended: boolean; languageButton: ReactNode }) {
  const [apiKey, setApiKey] = useState('');
  const [problem, setProblem] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await call('POST', '/console/session', { apiKey });
      window.location.reload();
    } catch (error) {
      setProblem(problemMessage(error, t.errors.generic));
    }
  };
  const returnTo = `/console/${window.location.hash}`;
  return (
    <main className="narrow">
      <div className="tools">{languageButton}</div>
      <h1>{t.signIn.title}</h1>
      {ended && (
        <p role="alert" className="page-problem">
          {t.signIn.ended}
        </p>
      )}
      {cookieWillBeDropped() && (
        <p role="alert" className="page-problem">
          {t.signIn.insecure(window.location.host)}
        </p>
      )}
      <p>{t.signIn.viaSpir}</p>
      {loginUrl !== null && (
        <p>
          <a
            className="button"
            href={`${loginUrl}${loginUrl.includes('?') ? '&' : '?'}returnTo=${encodeURIComponent(returnTo)}`}
          >
            {t.signIn.openSpir}
          </a>
        </p>
      )}
      <form onSubmit={(event) => void submit(event)}>
        <p>{t.signIn.withKey}</p>
        <label htmlFor="api-key">{t.signIn.apiKey}</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={apiKey}
          onChange={(e) => setApiKey(e.target.value)}
        />
        <button type="submit">{t.signIn.submit}</button>
        {problem !== undefined && <p role="alert">{problem}</p>}
      </form>
    </main>
  );
}
