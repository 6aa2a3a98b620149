import type { RequestHandler } from 'express';
import { ApiError } from './apiError';

/** Where in a parsed JSON value a string or a key holds U+0000, as a path; undefined if nowhere. */
function nulPath(value: unknown, path: string[]): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key];
    const found = nulPath(inner, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses an API body (after express.json) that holds the NUL character anywhere: PostgreSQL's
 * text cannot store it (it was a 500 there), and in a name or a label it is a mistake. Events are
 * not refused for it (ingest keeps them as sent).
 */
export const refuseNulText: RequestHandler = (req, _res, next) => {
  const path = nulPath(req.body, []);
  if (path !== undefined) {
    throw new ApiError(
      400,
      'invalid_text',
      `The body's ${path.length === 0 ? 'value' : path.join('.')} holds the NUL character (U+0000), which the dispatcher does not store; remove it.`,
    );
  }
  next();
};
