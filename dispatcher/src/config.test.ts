import { randomBytes } from 'node:crypto';
import { ConfigError } from '@spir-webhooks/shared-types';
import { parseConfig } from './config';

describe('parseConfig', () => {
  it("gives Spir's policy and the embedded store with no configuration at all", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 8080,
      database: { engine: 'sqlite', path: './data/dispatcher.db' },
      requestTimeoutMs: 30_000,
      retryIntervalMs: 10_000,
      maxRetries: 4,
      smtpUrl: undefined,
      mailFrom: 'Spir <no-reply@localhost>',
      internalApiToken: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('puts the internal API on its own listener on 127.0.0.1:8081 unless single-port mode is asked for', () => {
    expect(parseConfig({}).internalListener).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(parseConfig({ INTERNAL_PORT: 'shared' }).internalListener).toBeUndefined();
    expect(() => parseConfig({ INTERNAL_PORT: 'public' })).toThrow(/INTERNAL_PORT must be a port number, or shared/);
  });

  it('refuses an internal token under 32 characters or a placeholder, however long', () => {
    expect(() => parseConfig({ INTERNAL_API_TOKEN: 'a'.repeat(31) })).toThrow(ConfigError);
    for (const placeholder of [
      'change-me-to-a-long-random-token',
      'your-token-here-your-token-here-1234',
      'z'.repeat(40),
    ])
      expect(() => parseConfig({ INTERNAL_API_TOKEN: placeholder })).toThrow(/placeholder/);
    expect(parseConfig({ INTERNAL_API_TOKEN: 'Vq3bN0x7kP2rT9wL5sY8hJ1mC4dF6gZ0' }).internalApiToken).toHaveLength(32);
  });

  it.each([
    ['change_me_change_me_change_me_change_me'],
    ['0123456789abcdef0123456789abcdef'],
    ['passwordpasswordpasswordpassword'],
    ['abababababababababababababababab'],
    ['Q1w2E3r4Q1w2E3r4Q1w2E3r4Q1w2E3r4'],
  ])('refuses the low-entropy token %s at start, for either secret, saying how to make one', (token) => {
    for (const variable of ['INTERNAL_API_TOKEN', 'METRICS_TOKEN'])
      expect(() => parseConfig({ [variable]: token })).toThrow(
        new RegExp(`${variable} is a placeholder or typed, not random.*openssl rand -base64 32`),
      );
  });

  it('always accepts a random token of 32 characters or more, whatever tool made it', () => {
    for (let i = 0; i < 3_000; i++) {
      for (const token of [
        randomBytes(24).toString('base64url'),
        randomBytes(16).toString('hex'),
        randomBytes(32).toString('base64'),
        `spi_${randomBytes(32).toString('base64url')}`,
      ])
        expect(parseConfig({ INTERNAL_API_TOKEN: token, METRICS_TOKEN: token }).metricsToken).toBe(token);
    }
  });

  it('accepts fractions of a second for the retry interval', () => {
    expect(parseConfig({ RETRY_INTERVAL_SECONDS: '0.2' }).retryIntervalMs).toBe(200);
  });

  it('caps delivery connections at 1024 unless told otherwise, at least 1', () => {
    expect(parseConfig({}).deliveryConnections).toBe(1024);
    expect(parseConfig({ DELIVERY_CONNECTIONS: '200' }).deliveryConnections).toBe(200);
    expect(() => parseConfig({ DELIVERY_CONNECTIONS: '0' })).toThrow('DELIVERY_CONNECTIONS must be at least 1');
  });

  it('gives each sending thread 256 attempts in their first second unless told otherwise', () => {
    expect(parseConfig({ DELIVERY_THREADS: '3' }).deliveryConcurrencyFirstSecond).toBe(768);
    expect(parseConfig({ DELIVERY_THREADS: '0' }).deliveryConcurrencyFirstSecond).toBe(256);
    expect(parseConfig({ DELIVERY_CONCURRENCY_FIRST_SECOND: '64' }).deliveryConcurrencyFirstSecond).toBe(64);
    expect(() => parseConfig({ DELIVERY_CONCURRENCY_FIRST_SECOND: '0' })).toThrow(
      'DELIVERY_CONCURRENCY_FIRST_SECOND must be at least 1',
    );
  });

  it('parses WEBHOOK_RESOLVE like curl --resolve', () => {
    const config = parseConfig({ WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1, v6.test:[::1]' });
    expect([...config.pinnedHosts]).toEqual([
      ['receiver.test', '127.0.0.1'],
      ['v6.test', '::1'],
    ]);
  });

  it.each([
    ['PORT', 'eighty'],
    ['MAX_RETRIES', '-1'],
    ['REQUEST_TIMEOUT_SECONDS', 'soon'],
    ['DATABASE_URL', 'mysql://db'],
    ['SMTP_URL', 'mail.example.com'],
    ['WEBHOOK_RESOLVE', 'receiver.test'],
    ['DATABASE_URL', 'sqlite:'],
    ['HOST', '999.1.1.1'],
    ['LOG_LEVEL', 'loud'],
  ])('stops with a message naming %s when it is %p', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [name]: value })).toThrow(name);
  });
});
