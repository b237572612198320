import { type LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type AllowedNetworks, checkAddress } from './address-policy';
import { isLocalhostName, LOCALHOST_ADDRESSES } from './localhost-names';
import { UnsafeDestinationError } from './unsafe-destination.error';

/** Resolves a host name to its addresses; injectable so tests can point names anywhere. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, verbatim: true });

export interface DestinationPolicy {
  readonly allowedNetworks: AllowedNetworks;
  readonly requireHttps: boolean;
  readonly resolver?: Resolver;
}

function refuse(host: string, ip: string, range: string): UnsafeDestinationError {
  const shown = host === ip ? ip : `${host} (${ip})`;
  const article = /^[aeiou]/i.test(range) ? 'an' : 'a';
  return new UnsafeDestinationError(
    `${shown} is ${article} ${range} address; webhooks go only to public addresses (an operator can allow networks with DELIVERY_ALLOWED_NETWORKS)`,
  );
}

/** Refuses the first address that is not public and not allowed, naming the host it came from. */
export function assertAllowed(
  hostname: string,
  addresses: readonly LookupAddress[],
  allowedNetworks: AllowedNetworks,
): void {
  for (const { address } of addresses) {
    const verdict = checkAddress(address, allowedNetworks);
    if (!verdict.allowed) throw refuse(hostname, address, verdict.range);
  }
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * Checks what can be checked without the network: the scheme, a host that is an IP literal
 * (the URL parser has already turned decimal, octal and hex IPv4 forms into dotted decimal),
 * and localhost names, which mean this machine without asking DNS: they pass only where every
 * loopback address they stand for is allowed. Other host names are checked at connect time,
 * by `SafeDestinationDispatcher`.
 */
export function checkUrl(raw: string, policy: DestinationPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeDestinationError(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UnsafeDestinationError(`${url.protocol} URLs are not allowed; use https`);
  }
  if (policy.requireHttps && url.protocol !== 'https:') {
    throw new UnsafeDestinationError('Plain http is not allowed in production; use an https URL');
  }
  if (url.username || url.password) {
    throw new UnsafeDestinationError(
      'Credentials in the URL are not allowed; use custom headers instead',
    );
  }
  const host = bareHost(url.hostname);
  if (isIP(host)) {
    const verdict = checkAddress(host, policy.allowedNetworks);
    if (!verdict.allowed) throw refuse(host, host, verdict.range);
  } else if (isLocalhostName(host)) {
    assertAllowed(host, LOCALHOST_ADDRESSES, policy.allowedNetworks);
  }
  return url;
}
