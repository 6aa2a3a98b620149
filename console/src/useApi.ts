import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiProblem, call } from './api';

export type Loaded<T> =
  { state: 'loading'; data?: T } | { state: 'ready'; data: T } | { state: 'failed'; problem: ApiProblem; data?: T };

/**
 * The console's one way to read the API: loading, ready or failed, for a path that may change.
 * Only the newest request's answer is applied (an earlier one still in flight is aborted and
 * ignored), so that a slow answer to an old filter never overwrites a newer one. `refreshMs`
 * reads again while `keepRefreshing(data)` says so (a pending delivery, say).
 */
export function useApi<T>(
  path: string | null,
  options: { refreshMs?: number; keepRefreshing?: (data: T) => boolean } = {},
): Loaded<T> & { reload: () => void } {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const newest = useRef(0);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const { refreshMs, keepRefreshing } = options;

  useEffect(() => {
    if (path === null) return;
    const request = ++newest.current;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoaded((before) => ({ state: 'loading', data: before.data }));
    call<T>('GET', path, undefined, abort.signal).then(
      (data) => {
        if (request !== newest.current) return;
        setLoaded({ state: 'ready', data });
        if (refreshMs !== undefined && keepRefreshing?.(data) === true) timer = setTimeout(reload, refreshMs);
      },
      (error: unknown) => {
        if (request !== newest.current || abort.signal.aborted) return;
        const problem = error instanceof ApiProblem ? error : new ApiProblem(0, 'network', String(error));
        setLoaded((before) => ({ state: 'failed', problem, data: before.data }));
      },
    );
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [path, generation]);

  return { ...loaded, reload };
}
