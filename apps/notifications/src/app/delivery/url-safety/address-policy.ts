import ipaddr from 'ipaddr.js';

export interface AddressVerdict {
  readonly allowed: boolean;
  /** ipaddr.js's name for the range, such as "loopback", "private", "linkLocal", "unicast". */
  readonly range: string;
}

/**
 * Networks an operator allows despite the rules, as CIDRs (local development reaches
 * 127.0.0.0/8, say). Parsed once, at configuration time.
 */
export class AllowedNetworks {
  private readonly networks: [ipaddr.IPv4 | ipaddr.IPv6, number][];

  constructor(cidrs: readonly string[]) {
    this.networks = cidrs.map((cidr) =>
      ipaddr.parseCIDR(
        cidr.includes('/') ? cidr : `${cidr}/${ipaddr.parse(cidr).kind() === 'ipv4' ? 32 : 128}`,
      ),
    );
  }

  includes(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.networks.some(
      ([network, bits]) =>
        address.kind() === network.kind() && address.match([network, bits] as never),
    );
  }
}

/**
 * Whether a webhook may be sent to this IP address: only public unicast ones. Loopback,
 * private, link-local (cloud metadata at 169.254.169.254 included), carrier-grade NAT,
 * multicast, broadcast, unspecified, reserved, documentation and benchmarking ranges are
 * refused, as are IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4, Teredo),
 * whatever they embed.
 */
export function checkAddress(
  ip: string,
  allowed: AllowedNetworks = new AllowedNetworks([]),
): AddressVerdict {
  if (!ipaddr.isValid(ip)) return { allowed: false, range: 'invalid' };
  const address = ipaddr.parse(ip);
  // An IPv4-mapped IPv6 address is the IPv4 address on the wire: judge (and allow) it as such.
  const effective =
    address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  const range = effective.range();
  if (allowed.includes(effective)) return { allowed: true, range };
  return { allowed: range === 'unicast', range };
}
