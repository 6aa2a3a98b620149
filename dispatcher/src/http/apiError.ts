import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { describeIssues } from '@spir-webhooks/shared-types';
import { StoreUnavailableError } from '../store/storeTypes';

/**
 * Bad input from outside, answered as `{ error: { code, message, details? } }`. Anything else
 * thrown in a route is a programming mistake or an outage: a 500 that is logged.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Parses a request part with a zod schema; a failure is a 400 naming every broken path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ApiError(400, 'validation_failed', `The ${what} is invalid: ${describeIssues(result.error.issues)}.`, {
    issues: result.error.issues.map((issue) => ({ path: issue.path, code: issue.code, message: issue.message })),
  });
}

/** Refuses a body that is not declared as JSON, before any parser reads it. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    throw new ApiError(415, 'unsupported_media_type', `Send the body as application/json (got ${req.headers['content-type'] ?? 'no content-type'}).`);
  }
  next();
};

export const notFound: RequestHandler = (req) => {
  throw new ApiError(404, 'not_found', `No route ${req.method} ${req.path}.`);
};

const bodyParserErrors: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'payload_too_large', 'The body is larger than this route accepts.'],
  'entity.parse.failed': [400, 'invalid_json', 'The body is not valid JSON.'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'The body\'s content-encoding is not supported.'],
  'charset.unsupported': [415, 'unsupported_charset', 'Send the body as UTF-8.'],
  'request.aborted': [400, 'request_aborted', 'The request was aborted before its body arrived.'],
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (error instanceof ApiError) {
      res.status(error.status).json({ error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } });
      return;
    }
    if (error instanceof StoreUnavailableError) {
      logger.error({ err: error.cause, method: req.method, path: req.path }, 'the store refused a write');
      res.status(503).set('retry-after', '5').json({ error: { code: 'store_unavailable', message: 'The dispatcher cannot store anything right now; nothing was accepted. Retry in a few seconds.' } });
      return;
    }
    const known = typeof error?.type === 'string' ? bodyParserErrors[error.type] : undefined;
    if (known !== undefined) {
      res.status(known[0]).json({ error: { code: known[1], message: known[2] } });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(500).json({ error: { code: 'internal_error', message: 'The dispatcher failed to handle this request; it has been logged. Try again.' } });
  };
}
