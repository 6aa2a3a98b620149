import type { ReactNode } from 'react';
import { problemMessage } from './api';
import type { Loaded } from './useApi';
import type { PageProps } from './pageProps';

/** What a page shows before its data is there: a loading line, or the problem and a way to try again. */
export function PageState<T>({
  t,
  loaded,
  reload,
  children,
}: Pick<PageProps, 't'> & { loaded: Loaded<T>; reload: () => void; children: (data: T) => ReactNode }) {
  if (loaded.state === 'failed') {
    // A 401 has already sent the person to sign-in (useApi's caller fired the session-ended event).
    const reason = loaded.problem.status === 0 ? t.states.offline : problemMessage(loaded.problem, t.errors.generic);
    return (
      <>
        {loaded.data !== undefined && children(loaded.data)}
        <div role="alert" className="page-problem">
          <p>
            {t.states.failed} {reason}
          </p>
          <button type="button" onClick={reload}>
            {t.states.retry}
          </button>
        </div>
      </>
    );
  }
  if (loaded.data === undefined) {
    return (
      <p role="status" className="loading">
        {t.states.loading}
      </p>
    );
  }
  return <>{children(loaded.data)}</>;
}
