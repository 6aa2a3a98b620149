import type { IncomingMessage, ServerResponse } from 'node:http';
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

export const notFound: RequestHandler = (req) => {
  throw new ApiError(404, 'not_found', `No route ${req.method} ${req.path}.`);
};

const bodyParserErrors: Record<string, [number, string, string]> = {
  'entity.too.large': [413, 'payload_too_large', 'The body is larger than this route accepts.'],
  'entity.parse.failed': [400, 'invalid_json', 'The body is not valid JSON.'],
  'encoding.unsupported': [415, 'unsupported_encoding', "The body's content-encoding is not supported."],
  'charset.unsupported': [415, 'unsupported_charset', 'Send the body as UTF-8.'],
  'request.aborted': [400, 'request_aborted', 'The request was aborted before its body arrived.'],
};

/** A JSON answer on Node's own response (Express' `res` is one too). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The request's path without its query: a query can hold a token (a console sign-in link), and logs keep lines. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '').split('?')[0]!;
}

/** The answer to anything a route threw: its own 4xx, a 503 for a store that cannot write, or a logged 500. */
export function answerError(error: unknown, req: IncomingMessage, res: ServerResponse, logger: Logger): void {
  if (res.headersSent) {
    logger.error({ err: error, method: req.method, path: pathOf(req) }, 'request failed after its answer began');
    return;
  }
  if (error instanceof ApiError) {
    sendJson(res, error.status, {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    });
    return;
  }
  if (error instanceof StoreUnavailableError) {
    logger.error({ err: error.cause, method: req.method, path: pathOf(req) }, 'the store refused a write');
    sendJson(
      res,
      503,
      {
        error: {
          code: 'store_unavailable',
          message: 'The dispatcher cannot store anything right now; nothing was accepted. Retry in a few seconds.',
        },
      },
      { 'retry-after': '5' },
    );
    return;
  }
  const type = (error as { type?: unknown } | null)?.type;
  const known = typeof type === 'string' ? bodyParserErrors[type] : undefined;
  if (known !== undefined) {
    sendJson(res, known[0], { error: { code: known[1], message: known[2] } });
    return;
  }
  logger.error({ err: error, method: req.method, path: pathOf(req) }, 'request failed');
  sendJson(res, 500, {
    error: {
      code: 'internal_error',
      message: 'The dispatcher failed to handle this request; it has been logged. Try again.',
    },
  });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => answerError(error, req, res, logger);
}
