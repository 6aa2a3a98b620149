import { checkWebhookUrl, parseHostPins, type WebhookUrlRule } from './webhookUrlRules';

const bad: [string, WebhookUrlRule][] = [
  ['not a url', 'malformed'],
  ['/webhooks/spir', 'malformed'],
  ['https://', 'malformed'],
  ['https://exa mple.com/', 'malformed'],
  ['https://example.com/\nx', 'malformed'],
  ['https://1.2.3.4.5/', 'malformed'],
  [`https://example.com/${'a'.repeat(2040)}`, 'too_long'],
  ['http://example.com/hook', 'https_required'],
  ['HTTP://example.com/hook', 'https_required'],
  ['ftp://example.com/hook', 'https_required'],
  ['wss://example.com/hook', 'https_required'],
  ['javascript:alert(1)', 'https_required'],
  ['https://user:pass@example.com/hook', 'credentials_not_allowed'],
  ['https://user@example.com/hook', 'credentials_not_allowed'],
  ['https://localhost/hook', 'localhost_not_allowed'],
  ['https://LOCALHOST:8443/hook', 'localhost_not_allowed'],
  ['https://localhost./hook', 'localhost_not_allowed'],
  ['https://localhost../hook', 'localhost_not_allowed'],
  ['https://127.0.0.1../hook', 'ip_address_not_allowed'],
  ['https://metadata.google.internal../', 'public_host_name_required'],
  ['https://api.localhost/hook', 'localhost_not_allowed'],
  ['https://ｌｏｃａｌｈｏｓｔ/hook', 'localhost_not_allowed'],
  ['https://127.0.0.1/hook', 'ip_address_not_allowed'],
  ['https://8.8.8.8/hook', 'ip_address_not_allowed'],
  ['https://2130706433/hook', 'ip_address_not_allowed'],
  ['https://017700000001/hook', 'ip_address_not_allowed'],
  ['https://0x7f000001/hook', 'ip_address_not_allowed'],
  ['https://0x7f.0.0.1/hook', 'ip_address_not_allowed'],
  ['https://127.1/hook', 'ip_address_not_allowed'],
  ['https://169.254.169.254/latest/meta-data', 'ip_address_not_allowed'],
  ['https://[::1]/hook', 'ip_address_not_allowed'],
  ['https://[2001:4860:4860::8888]/hook', 'ip_address_not_allowed'],
  ['https://[::ffff:127.0.0.1]/hook', 'ip_address_not_allowed'],
  ['https://[fd00:ec2::254]/hook', 'ip_address_not_allowed'],
  ['https://intranet/hook', 'public_host_name_required'],
  ['https://printer.local/hook', 'public_host_name_required'],
  ['https://db.internal/hook', 'public_host_name_required'],
  ['https://receiver.test/hook', 'public_host_name_required'],
  ['https://router.home.arpa/hook', 'public_host_name_required'],
];

describe('checkWebhookUrl', () => {
  it.each(bad)('refuses %s for the rule %s', (url, rule) => {
    const result = checkWebhookUrl(url);
    expect(result).toMatchObject({ ok: false, rule });
    expect(result.ok === false && result.message.length).toBeGreaterThan(10);
  });

  it.each([
    'https://example.com/webhooks/spir',
    'https://hooks.zapier.com/hooks/standard/123/abc/',
    'https://maker.ifttt.com/trigger/meeting/json/with/key/abcdef',
    'https://api.example.co.jp:8443/spir?source=webhook',
    'https://例え.jp/フック',
  ])('accepts %s', (url) => {
    expect(checkWebhookUrl(url)).toMatchObject({ ok: true });
  });

  it('normalises the URL it accepts', () => {
    expect(checkWebhookUrl('https://Example.COM/a b'.replace(' ', '%20'))).toEqual({
      ok: true,
      url: 'https://example.com/a%20b',
    });
  });

  it('lets a host pinned by WEBHOOK_RESOLVE pass the public-name rule but no other rule', () => {
    const pins = new Map([['receiver.test', '127.0.0.1']]);
    expect(checkWebhookUrl('https://receiver.test/hook', pins)).toMatchObject({ ok: true });
    expect(checkWebhookUrl('http://receiver.test/hook', pins)).toMatchObject({ ok: false, rule: 'https_required' });
  });
});

describe('parseHostPins', () => {
  it('reads host:address pairs, IPv6 in brackets', () => {
    expect([...parseHostPins('Receiver.test:127.0.0.1,v6.test:[::1]')]).toEqual([
      ['receiver.test', '127.0.0.1'],
      ['v6.test', '::1'],
    ]);
    expect(parseHostPins(undefined).size).toBe(0);
  });

  it('names a malformed entry', () => {
    expect(() => parseHostPins('receiver.test')).toThrow('WEBHOOK_RESOLVE entry "receiver.test" must be host:address');
  });
});
