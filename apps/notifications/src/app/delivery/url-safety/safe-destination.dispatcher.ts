import { type LookupAddress } from 'node:dns';
import { Agent } from 'undici';
import { assertAllowed, type DestinationPolicy, systemResolver } from './destination-policy';
import { isLocalhostName, LOCALHOST_ADDRESSES } from './localhost-names';

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * An undici dispatcher whose every connection resolves the host itself and refuses if any
 * address is not public, so a name that resolves (or later re-resolves, DNS rebinding) to a
 * private address is caught at the moment of connecting, on the address actually used.
 * Localhost names are answered with the loopback addresses, never by a DNS server that could
 * say otherwise.
 */
export class SafeDestinationDispatcher extends Agent {
  constructor(policy: DestinationPolicy, options: { connectTimeoutMs: number }) {
    super({
      connect: { lookup: safeLookup(policy) as never, timeout: options.connectTimeoutMs },
      connections: 16,
      pipelining: 1,
      keepAliveTimeout: 10_000,
    });
  }
}

function safeLookup(policy: DestinationPolicy) {
  const resolve = policy.resolver ?? systemResolver;
  const lookup = (hostname: string, opts: { all?: boolean }, callback: LookupCallback): void => {
    (isLocalhostName(hostname) ? Promise.resolve([...LOCALHOST_ADDRESSES]) : resolve(hostname))
      .then((addresses) => {
        if (addresses.length === 0)
          throw Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' });
        assertAllowed(hostname, addresses, policy.allowedNetworks);
        if (opts.all) callback(null, addresses);
        else
          callback(
            null,
            (addresses[0] as LookupAddress).address,
            (addresses[0] as LookupAddress).family,
          );
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, '', 0));
  };
  return lookup;
}
