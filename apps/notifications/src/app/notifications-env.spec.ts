import { ConfigError, loadConfig } from '@switchyard/service';
import { NotificationsEnv } from './notifications-env';

describe('the notifications configuration', () => {
  it('resolves delivery host names with the system resolver unless DNS servers are named', () => {
    expect(loadConfig(NotificationsEnv, {}).DELIVERY_DNS_SERVERS).toEqual([]);
    expect(
      loadConfig(NotificationsEnv, { DELIVERY_DNS_SERVERS: '10.0.0.2, [2001:db8::53]:5353' })
        .DELIVERY_DNS_SERVERS,
    ).toEqual(['10.0.0.2', '[2001:db8::53]:5353']);
  });

  it('refuses DNS servers that are not IP addresses, naming the variable and the fix', () => {
    const load = () =>
      loadConfig(NotificationsEnv, { DELIVERY_DNS_SERVERS: '10.0.0.2,dns.google' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /DELIVERY_DNS_SERVERS: each entry must be an IP address with an optional port, such as 10\.0\.0\.2, 10\.0\.0\.2:5353 or \[2001:db8::53\]:53 \(got "10\.0\.0\.2,dns\.google"\)/,
    );
  });

  it('reaches only public addresses unless networks are allowed, and refuses one that is not a network', () => {
    expect(loadConfig(NotificationsEnv, {}).DELIVERY_ALLOWED_NETWORKS).toEqual([]);
    expect(
      loadConfig(NotificationsEnv, { DELIVERY_ALLOWED_NETWORKS: ' 127.0.0.0/8, ,::1' })
        .DELIVERY_ALLOWED_NETWORKS,
    ).toEqual(['127.0.0.0/8', '::1']);
    expect(() =>
      loadConfig(NotificationsEnv, { DELIVERY_ALLOWED_NETWORKS: '10.0.0.0/8,intranet' }),
    ).toThrow(/DELIVERY_ALLOWED_NETWORKS: each entry must be an IP address or CIDR/);
  });

  it('labels the endpoints an operator lists in metrics, refusing entries that are not endpoint ids', () => {
    const id = '0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00';
    expect(loadConfig(NotificationsEnv, {}).METRICS_LABELLED_ENDPOINTS).toEqual([]);
    expect(
      loadConfig(NotificationsEnv, { METRICS_LABELLED_ENDPOINTS: ` ${id} ` })
        .METRICS_LABELLED_ENDPOINTS,
    ).toEqual([id]);
    expect(() =>
      loadConfig(NotificationsEnv, { METRICS_LABELLED_ENDPOINTS: `${id},acme-prod` }),
    ).toThrow(/METRICS_LABELLED_ENDPOINTS: each entry must be an endpoint id/);
  });
});
