import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * A webhook host that is an IP address, does not resolve, or resolves to an address that is not
 * on the public internet. The last two read the same to the tenant, so that refusals never tell
 * a tenant which internal names exist; only the operator's log tells them apart.
 */
export class BlockedAddressError extends Error {
  readonly code = 'blocked_address';
  /**
   * @param message what the tenant sees (the attempt log, the API): never an address or a DNS error.
   * @param operatorDetail why, for the operator's log only: the refused address, or the DNS error.
   */
  constructor(
    message: string,
    readonly operatorDetail?: string,
  ) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

const noPublicAddress = (hostname: string) =>
  `webhook host ${hostname} does not resolve to a public address; only hosts on the public internet are delivered to`;

/** Resolves a host name to every address it has, as `dns.lookup` with `all` does. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * True only for globally routable unicast addresses. Loopback, private, link-local (cloud
 * metadata at 169.254.169.254 among them), carrier-grade NAT, multicast, reserved, unique-local
 * and every special-purpose range are refused; an IPv4-mapped IPv6 address is judged as IPv4.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  // IPv6 is public only inside global unicast, 2000::/3: this refuses ::/96 (IPv4-compatible,
  // such as ::7f00:1), 64:ff9b::/96 and every other range outside it, whatever ipaddr.js calls them.
  if (parsed.kind() === 'ipv6' && !parsed.match(globalUnicastV6)) return false;
  return parsed.range() === 'unicast';
}

const globalUnicastV6 = ipaddr.parseCIDR('2000::/3');

/**
 * Picks the address to connect to for a webhook host: one that was checked, so that a DNS
 * answer that changes between check and connect cannot reach an internal address. Hosts
 * pinned by WEBHOOK_RESOLVE go to their pinned address without the check.
 */
export async function resolvePublicAddress(
  hostname: string,
  pinnedHosts: ReadonlyMap<string, string>,
  lookup: LookupAll,
): Promise<string> {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const pinned = pinnedHosts.get(host);
  if (pinned !== undefined) return pinned;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    throw new BlockedAddressError(`webhook host ${hostname} is an IP address; only host names are allowed`);
  }
  let addresses: Awaited<ReturnType<LookupAll>>;
  try {
    addresses = await lookup(host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new BlockedAddressError(noPublicAddress(hostname), `does not resolve (${String(code ?? error)})`);
  }
  if (addresses.length === 0) throw new BlockedAddressError(noPublicAddress(hostname), 'resolved to no address');
  const internal = addresses.find((entry) => !isPublicAddress(entry.address));
  if (internal !== undefined) {
    throw new BlockedAddressError(noPublicAddress(hostname), `resolves to non-public ${internal.address}`);
  }
  return addresses[0]!.address;
}
