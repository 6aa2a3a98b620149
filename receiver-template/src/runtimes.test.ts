import { Webhook } from 'standardwebhooks';
import { cloneSample, generateWebhookSecret } from './contract';
import receiver from './fetch';
import { handler } from './lambda';

// The same handler through the entry points other runtimes call: the `./fetch` export (Cloudflare
// Workers, Deno, Bun) and the `./lambda` export (a function URL or API Gateway HTTP API event).

const secret = generateWebhookSecret();
process.env.WEBHOOK_SECRET = secret;

function signedRequest(id: string, signWith = secret): Request {
  const body = JSON.stringify({ ...cloneSample('event.confirmed'), webhookEventId: id });
  const at = new Date();
  return new Request('https://receiver.example.com/webhooks/spir', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(signWith).sign(id, at, body),
    },
    body,
  });
}

describe('the ./fetch export', () => {
  it('answers a signed Request 200 with WEBHOOK_SECRET from env, a duplicate as one, and a forged one 401', async () => {
    const env = { WEBHOOK_SECRET: secret };
    const first = await receiver.fetch(signedRequest('evt-edge-1'), env, {});
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true });
    expect(await (await receiver.fetch(signedRequest('evt-edge-1'), env, {})).json()).toEqual({ duplicate: true });
    const forged = await receiver.fetch(signedRequest('evt-edge-2', generateWebhookSecret()), env, {});
    expect(forged.status).toBe(401);
  });

  it('reads process.env where the runtime passes no env (Deno, Bun)', async () => {
    expect((await receiver.fetch(signedRequest('evt-edge-3'))).status).toBe(200);
  });

  it('answers 500 naming WEBHOOK_SECRET when it is missing or malformed', async () => {
    const answer = await receiver.fetch(signedRequest('evt-edge-4'), { WEBHOOK_SECRET: 'not-a-secret' }, {});
    expect(answer.status).toBe(500);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('WEBHOOK_SECRET');
  });
});

describe('the ./lambda export', () => {
  it('answers a signed API Gateway v2 event 200 and a forged one 401', async () => {
    const event = async (request: Request) => ({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/webhooks/spir',
      rawQueryString: '',
      headers: Object.fromEntries(request.headers),
      requestContext: {
        http: { method: 'POST', path: '/webhooks/spir', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'x' },
        domainName: 'receiver.example.com',
        requestId: 'r1',
        stage: '$default',
      },
      body: await request.text(),
      isBase64Encoded: false,
    });
    const call = async (request: Request) =>
      (await handler((await event(request)) as never, {} as never)) as { statusCode: number };
    expect((await call(signedRequest('evt-lambda-1'))).statusCode).toBe(200);
    expect((await call(signedRequest('evt-lambda-2', generateWebhookSecret()))).statusCode).toBe(401);
  });
});
