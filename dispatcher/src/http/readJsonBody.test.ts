import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { request } from 'undici';
import { answerError, sendJson } from './apiError';
import { readJsonBody } from './readJsonBody';

const limit = 1024;
let server: Server;
let url: string;

beforeAll(async () => {
  const logger = pino({ level: 'silent' });
  server = createServer((req, res) => {
    readJsonBody(req, limit).then(
      (body) => sendJson(res, 200, { body }),
      (error: unknown) => answerError(error, req, res, logger),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await request(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return {
    status: response.statusCode,
    body: (await response.body.json()) as { body?: unknown; error?: { code: string; message: string } },
  };
}

describe('readJsonBody', () => {
  it('reads a JSON object, plain or gzip-encoded, with or without a UTF-8 charset', async () => {
    expect(await post('{"a":"日本"}')).toEqual({ status: 200, body: { body: { a: '日本' } } });
    expect(await post(gzipSync('{"a":1}'), { 'content-encoding': 'gzip' })).toEqual({
      status: 200,
      body: { body: { a: 1 } },
    });
    expect((await post('[1]', { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(200);
  });

  it.each([
    ['another media type', '{}', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['another charset', '{}', { 'content-type': 'application/json; charset=latin1' }, 415, 'unsupported_charset'],
    ['an unknown content-encoding', '{}', { 'content-encoding': 'compress' }, 415, 'unsupported_encoding'],
    ['a body over the limit', `{"a":"${'x'.repeat(limit)}"}`, {}, 413, 'payload_too_large'],
    [
      'a gzip body over the limit once decoded',
      gzipSync(`{"a":"${'x'.repeat(100 * limit)}"}`),
      { 'content-encoding': 'gzip' },
      413,
      'payload_too_large',
    ],
    ['a body that is not gzip data', 'not gzip', { 'content-encoding': 'gzip' }, 400, 'invalid_encoding'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), {}, 400, 'invalid_utf8'],
    ['a JSON string at the top', '"just text"', {}, 400, 'invalid_json'],
    ['broken JSON', '{"a": ', {}, 400, 'invalid_json'],
  ])('refuses %s, naming it', async (_what, body, headers, status, code) => {
    const answer = await post(body, headers);
    expect(answer.status).toBe(status);
    expect(answer.body.error?.code).toBe(code);
  });

  it('answers a body over the limit rather than cutting the connection, and keeps serving', async () => {
    const big = `{"a":"${'x'.repeat(50 * limit)}"}`;
    // No content-length: the limit is found while reading, not from the header.
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const response = await request(url, {
      method: 'POST',
      body: chunked as never,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(413);
    await response.body.dump();
    expect((await post('{}')).status).toBe(200);
  });
});
