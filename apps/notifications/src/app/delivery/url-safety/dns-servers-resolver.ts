import { type LookupAddress } from 'node:dns';
import { Resolver as DnsResolver } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { type Resolver } from './destination-policy';

/**
 * Whether `entry` is a DNS server as `DELIVERY_DNS_SERVERS` takes it: an IP address with an
 * optional port (`10.0.0.2`, `10.0.0.2:5353`, `2001:db8::53`, `[2001:db8::53]:5353`). Node's own
 * parser lets ports past 65535 through, so the check is made here.
 */
export function isDnsServerAddress(entry: string): boolean {
  if (isIP(entry)) return true;
  const withPort = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(entry);
  if (!withPort) return false;
  const [, v6, v4, port] = withPort;
  const validHost = v6 !== undefined ? isIPv6(v6) : isIPv4(v4 ?? '');
  return validHost && Number(port) >= 1 && Number(port) <= 65535;
}

/** DNS answers that mean "no such record", as opposed to a server that failed to answer. */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * Resolves names with these DNS servers (A and AAAA records) instead of the system resolver:
 * for operators who want deliveries to use a resolver of their choosing, and for tests that
 * point a name at an address without touching /etc/hosts.
 */
export function dnsServersResolver(
  servers: readonly string[],
  options: { timeoutMs: number },
): Resolver {
  // Two tries within the connect timeout: one lost UDP packet does not fail the attempt.
  const dns = new DnsResolver({ timeout: Math.ceil(options.timeoutMs / 2), tries: 2 });
  dns.setServers([...servers]);
  return async (hostname) => {
    const [v4, v6] = await Promise.allSettled([dns.resolve4(hostname), dns.resolve6(hostname)]);
    const addresses: LookupAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (addresses.length > 0) return addresses;
    const failure = [v4, v6].find(
      (result): result is PromiseRejectedResult =>
        result.status === 'rejected' &&
        !NO_RECORDS.has((result.reason as NodeJS.ErrnoException).code ?? ''),
    );
    if (failure) throw failure.reason;
    return [];
  };
}
