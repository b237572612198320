/**
 * The addresses a localhost name stands for. RFC 6761 (section 6.3) reserves `localhost` and every
 * name under it for this machine, whatever any DNS server says, so they are judged, and
 * connected to, as these addresses.
 */
export const LOCALHOST_ADDRESSES = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
] as const;

/** `localhost` or any name under it, in any letter case, with or without the root's trailing dot. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
