import { ConfigError, generateWebhookSecret } from './contract';
import { parseReceiverConfig } from './config';

describe('parseReceiverConfig', () => {
  const secret = generateWebhookSecret();

  it('needs only WEBHOOK_SECRET', () => {
    expect(parseReceiverConfig({ WEBHOOK_SECRET: secret })).toEqual({
      port: 3000,
      host: '0.0.0.0',
      secrets: [secret],
      path: '/webhooks/spir',
      tls: undefined,
      idempotencySqlitePath: undefined,
    });
  });

  it('takes several secrets separated by spaces or commas', () => {
    const other = generateWebhookSecret();
    expect(parseReceiverConfig({ WEBHOOK_SECRET: `${secret}, ${other}` }).secrets).toEqual([secret, other]);
  });

  it.each([
    [{}, 'WEBHOOK_SECRET is missing'],
    [{ WEBHOOK_SECRET: 'whsec_short' }, 'WEBHOOK_SECRET must be one or more whsec_'],
    [{ WEBHOOK_SECRET: secret, TLS_CERT_FILE: 'cert.pem' }, 'set both TLS_CERT_FILE and TLS_KEY_FILE'],
    [{ WEBHOOK_SECRET: secret, PORT: 'http' }, 'PORT must be a port number'],
    [{ WEBHOOK_SECRET: secret, IDEMPOTENCY_STORE: 'redis://x' }, 'IDEMPOTENCY_STORE must be memory or sqlite:<path>'],
  ])('stops start-up with a clear message for %j', (env, message) => {
    expect(() => parseReceiverConfig(env)).toThrow(ConfigError);
    expect(() => parseReceiverConfig(env)).toThrow(message);
  });
});
