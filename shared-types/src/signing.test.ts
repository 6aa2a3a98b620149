import { Webhook } from 'standardwebhooks';
import {
  generateWebhookSecret,
  samples,
  signWebhook,
  verifyWebhook,
  webhookSecretPattern,
  WebhookPayloadError,
  WebhookVerificationError,
} from './index';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = JSON.stringify(samples['event.confirmed']);
const id = samples['event.confirmed'].webhookEventId;

describe('signWebhook', () => {
  it('matches a signature pinned from the standardwebhooks reference test vector', () => {
    const headers = signWebhook({
      webhookEventId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      body: '{"test": 2432232314}',
      timestamp: new Date(1614265330 * 1000),
      secrets: [secret],
    });
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('is verified by the standardwebhooks library itself', () => {
    const headers = signWebhook({ webhookEventId: id, body, timestamp: new Date(), secrets: [secret] });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(samples['event.confirmed']);
  });

  it('signs with every secret given, so that a rotated secret keeps verifying', () => {
    const old = generateWebhookSecret();
    const headers = signWebhook({ webhookEventId: id, body, timestamp: new Date(), secrets: [secret, old] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(old).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers })).not.toThrow();
  });

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook({ webhookEventId: id, body, timestamp: new Date(), secrets: [] })).toThrow(/secret/);
  });
});

describe('verifyWebhook', () => {
  const librarySigned = () => {
    const timestamp = new Date();
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
    };
  };

  it('accepts a request signed by the standardwebhooks library and returns the parsed event', () => {
    expect(verifyWebhook({ secret, body, headers: librarySigned() })).toEqual({
      kind: 'event',
      event: samples['event.confirmed'],
    });
  });

  it('matches header names without regard to case and accepts a Buffer body', () => {
    const headers = Object.fromEntries(Object.entries(librarySigned()).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook({ secret, body: Buffer.from(body), headers }).kind).toBe('event');
  });

  it('refuses a tampered body', () => {
    const tampered = body.replace('山田', '田中');
    expect(() => verifyWebhook({ secret, body: tampered, headers: librarySigned() })).toThrow(WebhookVerificationError);
  });

  it('refuses a wrong secret', () => {
    expect(() => verifyWebhook({ secret: generateWebhookSecret(), body, headers: librarySigned() })).toThrow(
      WebhookVerificationError,
    );
  });

  it('refuses a timestamp more than five minutes old', () => {
    const headers = signWebhook({
      webhookEventId: id,
      body,
      timestamp: new Date(Date.now() - 301_000),
      secrets: [secret],
    });
    expect(() => verifyWebhook({ secret, body, headers: { ...headers } })).toThrow(/too old/);
  });

  it('accepts a late request when the consumer allows it, and still refuses a forged or too old one', () => {
    const signedAt = (ms: number, secrets = [secret]) =>
      ({ ...signWebhook({ webhookEventId: id, body, timestamp: new Date(Date.now() - ms), secrets }) }) as Record<
        string,
        string
      >;
    const day = 24 * 3600;
    expect(verifyWebhook({ secret, body, headers: signedAt(600_000), maxAgeSeconds: day }).kind).toBe('event');
    // Both signatures of a rotation; the one that verifies may come second.
    const rotated = signedAt(600_000, [generateWebhookSecret(), secret]);
    expect(verifyWebhook({ secret, body, headers: rotated, maxAgeSeconds: day }).kind).toBe('event');
    const forged = signedAt(600_000, [generateWebhookSecret()]);
    expect(() => verifyWebhook({ secret, body, headers: forged, maxAgeSeconds: day })).toThrow(/No matching/);
    const tampered = body.replace('山田', '田中');
    expect(() => verifyWebhook({ secret, body: tampered, headers: signedAt(600_000), maxAgeSeconds: day })).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifyWebhook({ secret, body, headers: signedAt(2 * day * 1000), maxAgeSeconds: day })).toThrow(
      /too old/,
    );
  });

  it('refuses a request without signature headers', () => {
    expect(() => verifyWebhook({ secret, body, headers: { 'webhook-id': id } })).toThrow(WebhookVerificationError);
  });

  it('returns a correctly signed event whose fields deviate as deviating, not as an error', () => {
    const deviating = JSON.stringify({ ...samples['form.answered'], payload: { answeredOn: 'x' } });
    const headers = signWebhook({
      webhookEventId: samples['form.answered'].webhookEventId,
      body: deviating,
      timestamp: new Date(),
      secrets: [secret],
    });
    const result = verifyWebhook({ secret, body: deviating, headers: { ...headers } });
    expect(result.kind).toBe('deviating');
    expect(result.kind === 'deviating' && result.event.payload).toEqual({ answeredOn: 'x' });
  });

  it('tells a correctly signed body that is no deliverable event apart from a bad signature', () => {
    const broken = JSON.stringify({ ...samples['form.answered'], payload: 'none' });
    const headers = signWebhook({
      webhookEventId: samples['form.answered'].webhookEventId,
      body: broken,
      timestamp: new Date(),
      secrets: [secret],
    });
    expect(() => verifyWebhook({ secret, body: broken, headers: { ...headers } })).toThrow(WebhookPayloadError);
  });

  it('reports a correctly signed unknown event name as unknown', () => {
    const future = JSON.stringify({ webhookEventName: 'meeting.rescheduled', webhookEventId: 'e9', payload: {} });
    const headers = signWebhook({ webhookEventId: 'e9', body: future, timestamp: new Date(), secrets: [secret] });
    expect(verifyWebhook({ secret, body: future, headers: { ...headers } })).toMatchObject({
      kind: 'unknown',
      webhookEventName: 'meeting.rescheduled',
    });
  });
});

describe('generateWebhookSecret', () => {
  it('makes whsec_ plus base64 of 32 random bytes, different each time', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(webhookSecretPattern);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
