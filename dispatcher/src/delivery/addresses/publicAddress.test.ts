import { BlockedAddressError, isPublicAddress, resolvePublicAddress, type LookupAll } from './publicAddress';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.100.100.200',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '240.0.0.1',
    '192.0.2.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2001:db8::1',
    // IPv4-compatible (::/96): loopback, private and even public IPv4 inside it are not public IPv6.
    '::7f00:1',
    '::127.0.0.1',
    '::a00:1',
    '::808:808',
    '64:ff9b::7f00:1',
    '100::1',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('refuses what is not an address', () => {
    expect(isPublicAddress('example.com')).toBe(false);
  });
});

describe('resolvePublicAddress', () => {
  const answers: Record<string, string[]> = {
    'public.example.com': ['93.184.216.34'],
    'loopback.example.com': ['127.0.0.1'],
    'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
    'none.example.com': [],
  };
  const lookup: LookupAll = async (host) =>
    (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const noPins = new Map<string, string>();

  it('returns the checked address of a public host', async () => {
    await expect(resolvePublicAddress('public.example.com', noPins, lookup)).resolves.toBe('93.184.216.34');
  });

  it('refuses a host that resolves to loopback, telling the tenant no address and the operator which', async () => {
    const refusal = await resolvePublicAddress('loopback.example.com', noPins, lookup).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BlockedAddressError);
    expect((refusal as BlockedAddressError).message).toMatch(/does not resolve to a public address/);
    expect((refusal as BlockedAddressError).message).not.toContain('127.0.0.1');
    expect((refusal as BlockedAddressError).operatorDetail).toBe('resolves to non-public 127.0.0.1');
  });

  it('tells the tenant the same of a name that does not exist as of an internal one; only the operator sees which', async () => {
    const failing: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const missing = (await resolvePublicAddress('x.example.com', noPins, failing).catch(
      (e: unknown) => e,
    )) as BlockedAddressError;
    const internal = (await resolvePublicAddress('x.example.com', noPins, async () => [
      { address: '10.0.0.5', family: 4 },
    ]).catch((e: unknown) => e)) as BlockedAddressError;
    expect(missing.message).toBe(internal.message);
    expect(missing.code).toBe(internal.code);
    expect(missing.operatorDetail).toBe('does not resolve (ENOTFOUND)');
    expect(internal.operatorDetail).toBe('resolves to non-public 10.0.0.5');
  });

  it('refuses a host when any of its addresses is internal', async () => {
    await expect(resolvePublicAddress('mixed.example.com', noPins, lookup)).rejects.toBeInstanceOf(BlockedAddressError);
  });

  it('refuses a host with no address', async () => {
    await expect(resolvePublicAddress('none.example.com', noPins, lookup)).rejects.toThrow(
      /does not resolve to a public address/,
    );
  });

  it.each(['127.0.0.1', '8.8.8.8', '[::1]', '::1'])('refuses the IP literal %s without any lookup', async (host) => {
    const spy = jest.fn(lookup);
    await expect(resolvePublicAddress(host, noPins, spy)).rejects.toThrow(/is an IP address/);
    expect(spy).not.toHaveBeenCalled();
  });

  it('sends a pinned host to its pinned address without the check', async () => {
    await expect(
      resolvePublicAddress('Receiver.Test', new Map([['receiver.test', '127.0.0.1']]), lookup),
    ).resolves.toBe('127.0.0.1');
  });
});
