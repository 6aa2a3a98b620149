import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { RequestHandler } from 'express';
import { ApiError } from './apiError';
import { refuseDeepJson } from './jsonDepth';

const decoders: Record<string, () => Readable & NodeJS.WritableStream> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** `application/json`, with no charset or a UTF-8 one; anything else is a 415 that says why. */
function checkJsonContentType(req: IncomingMessage): void {
  const header = req.headers['content-type'];
  const [type = '', ...parameters] = (header ?? '').split(';');
  if (type.trim().toLowerCase() !== 'application/json') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Send the body as application/json (got ${header ?? 'no content-type'}).`,
    );
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() === 'charset' && !/^"?utf-?8"?$/i.test(value.trim())) {
      throw new ApiError(415, 'unsupported_charset', 'Send the body as UTF-8.');
    }
  }
}

/**
 * Reads a JSON request body straight from Node's request: declared as JSON, at most `limit`
 * bytes once decoded (gzip, deflate and br are undone), valid UTF-8 (a JSON parser would
 * quietly turn malformed bytes into U+FFFD and so change the event), nested no deeper than
 * `maxJsonBodyDepth`, an object or an array at the top. Every refusal is an ApiError naming what is wrong.
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  checkJsonContentType(req);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(req);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = decoders[encoding];
  if (decoder === undefined && encoding !== 'identity') {
    throw new ApiError(
      415,
      'unsupported_encoding',
      `The body's content-encoding ${encoding} is not supported (use gzip, deflate, br or none).`,
    );
  }
  const body = await readAll(decoder === undefined ? req : req.pipe(decoder()), req, limit, encoding);
  if (!isUtf8(body)) throw new ApiError(400, 'invalid_utf8', 'The body is not valid UTF-8.');
  refuseDeepJson(body);
  const text = body.toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw new ApiError(400, 'invalid_json', 'The body is not valid JSON.');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

function tooLarge(req: IncomingMessage): ApiError {
  // What is left of the body is drained and dropped, so that the client reads the answer.
  req.resume();
  return new ApiError(413, 'payload_too_large', 'The body is larger than this route accepts.');
}

/** Collects a (decoded) body up to `limit` bytes, without destroying the request past it. */
function readAll(source: Readable, req: IncomingMessage, limit: number, encoding: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      source.off('data', onData);
      if (source !== req) source.destroy();
      reject(tooLarge(req));
    };
    source.on('data', onData);
    source.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    const aborted = () =>
      reject(new ApiError(400, 'request_aborted', 'The request was aborted before its body arrived.'));
    // A decoder's error is the body's fault; the request's own (a cut connection) is an abort.
    if (source !== req)
      source.once('error', () =>
        reject(new ApiError(400, 'invalid_encoding', `The body is not valid ${encoding} data.`)),
      );
    req.once('error', aborted);
    req.once('aborted', aborted);
  });
}

/**
 * Refuses any body that is not declared as UTF-8 JSON, on routes where a body is optional too:
 * a form body would otherwise be skipped by the JSON parser and its fields silently dropped.
 */
export const refuseNonJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (hasBody) checkJsonContentType(req);
  next();
};

/** Refuses a body that is not declared as UTF-8 JSON, before any parser reads it. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  checkJsonContentType(req);
  next();
};
