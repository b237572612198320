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
    this.networks = cidrs.map((cidr) => {
      const [ip = '', bits] = cidr.split('/');
      const address = parseAddress(ip);
      return [address, bits === undefined ? (address.kind() === 'ipv4' ? 32 : 128) : Number(bits)];
    });
  }

  includes(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
    return this.networks.some(
      ([network, bits]) =>
        address.kind() === network.kind() && address.match([network, bits] as never),
    );
  }
}

/**
 * ipaddr.js reads the deprecated IPv4-compatible text `::a.b.c.d` as the IPv4-mapped
 * `::ffff:a.b.c.d`, which is another address; resolvers print `::/96` answers in that text, so
 * it is parsed here into the address it names.
 */
function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const embedded = /^::([^:%]+)(%.*)?$/.exec(ip)?.[1];
  if (embedded !== undefined && embedded.split('.').length === 4 && ipaddr.IPv4.isValid(embedded)) {
    const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(embedded).octets;
    return new ipaddr.IPv6([0, 0, 0, 0, 0, 0, (a << 8) | b, (c << 8) | d]);
  }
  return ipaddr.parse(ip);
}

/**
 * ipaddr.js calls most of `::/96` "unicast". These deprecated IPv4-compatible addresses (RFC 4291
 * section 2.5.5.1) are IPv6 destinations that some stacks tunnel to the IPv4 address they embed,
 * so unlike IPv4-mapped ones they are not the IPv4 address on the wire: they are refused
 * whatever they embed. `::` and `::1` keep their own names (unspecified, loopback).
 */
function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = address.range();
  if (
    address.kind() === 'ipv6' &&
    range !== 'unspecified' &&
    range !== 'loopback' &&
    (address as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)
  ) {
    return 'ipv4Compatible';
  }
  return range;
}

/**
 * Whether a webhook may be sent to this IP address: only public unicast ones. Loopback,
 * private, link-local (cloud metadata at 169.254.169.254 included), carrier-grade NAT,
 * multicast, broadcast, unspecified, reserved, documentation and benchmarking ranges are
 * refused, as are IPv6 forms that embed an IPv4 address (IPv4-compatible, NAT64, 6to4, Teredo),
 * whatever they embed. An IPv4-mapped address is judged as the IPv4 address it maps.
 */
export function checkAddress(
  ip: string,
  allowed: AllowedNetworks = new AllowedNetworks([]),
): AddressVerdict {
  if (!ipaddr.isValid(ip)) return { allowed: false, range: 'invalid' };
  const address = parseAddress(ip);
  // An IPv4-mapped IPv6 address is the IPv4 address on the wire: judge (and allow) it as such.
  const effective =
    address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
      ? (address as ipaddr.IPv6).toIPv4Address()
      : address;
  const range = rangeOf(effective);
  if (allowed.includes(effective)) return { allowed: true, range };
  return { allowed: range === 'unicast', range };
}
