import { type LookupAddress } from 'node:dns';
import { AllowedNetworks, checkAddress } from './address-policy';
import { checkUrl } from './destination-policy';
import { UnsafeDestinationError } from './unsafe-destination.error';
import { WebhookSender } from '../webhook-sender';

/** A resolver for names that exist only in this test; nothing here reaches a real DNS. */
const testZone: Record<string, LookupAddress[]> = {
  'localhost.partner.test': [{ address: '127.0.0.1', family: 4 }],
  'internal.partner.test': [{ address: '10.1.2.3', family: 4 }],
  'metadata.partner.test': [{ address: '169.254.169.254', family: 4 }],
  'cgnat.partner.test': [{ address: '100.100.100.200', family: 4 }],
  'mixed.partner.test': [
    { address: '93.184.216.34', family: 4 },
    { address: '192.168.0.10', family: 4 },
  ],
  'v6-loopback.partner.test': [{ address: '::1', family: 6 }],
  'v6-mapped.partner.test': [{ address: '::ffff:10.0.0.1', family: 6 }],
  'v6-ula.partner.test': [{ address: 'fd12:3456::1', family: 6 }],
  'rebinding.partner.test': [{ address: '127.0.0.1', family: 4 }],
  'v6-compatible.partner.test': [{ address: '::7f00:1', family: 6 }],
  // Resolvers print ::/96 answers with the IPv4 part dotted.
  'v6-compatible-dotted.partner.test': [{ address: '::127.0.0.1', family: 6 }],
  'v6-compatible-public.partner.test': [{ address: '::808:808', family: 6 }],
};
const resolver = async (hostname: string) => testZone[hostname] ?? [];

function sender(options: { requireHttps?: boolean; allowed?: string[] } = {}) {
  return new WebhookSender({
    policy: {
      allowedNetworks: new AllowedNetworks(options.allowed ?? []),
      requireHttps: options.requireHttps ?? false,
      resolver,
    },
    timeoutMs: 2000,
    connectTimeoutMs: 1000,
  });
}

/** Names that always mean this machine (RFC 6761), and IPv4-compatible IPv6 addresses (::/96). */
const LOCAL_FORMS = [
  'http://localhost/hook',
  'http://localhost:8080/hook',
  'http://localhost./hook',
  'http://LOCALHOST./hook',
  'http://LocalHost/hook',
  'http://api.localhost/hook',
  'https://api.localhost./hook',
  'http://a.b.LocalHost./hook',
  'http://[::127.0.0.1]/hook',
  'http://[::7f00:1]/hook',
  'http://[0:0:0:0:0:0:127.0.0.1]/hook',
  'http://[::a00:1]/hook',
  'http://[::a9fe:a9fe]/hook',
  'http://[::8.8.8.8]/hook',
  'http://[::2]/hook',
];

const REFUSED = [
  ...LOCAL_FORMS,
  'http://127.0.0.1/hook',
  'http://127.1/hook',
  'http://2130706433/hook',
  'http://0177.0.0.1/hook',
  'http://0x7f.0.0.1/hook',
  'http://0x7f000001/hook',
  'http://0/hook',
  'http://0.0.0.0/hook',
  'http://10.0.0.1/hook',
  'http://172.16.5.4/hook',
  'http://172.31.255.255/hook',
  'http://192.168.1.1/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://100.64.0.1/hook',
  'http://224.0.0.1/hook',
  'http://255.255.255.255/hook',
  'http://192.0.2.1/hook',
  'http://198.18.0.1/hook',
  'http://240.0.0.1/hook',
  'http://[::1]/hook',
  'http://[::]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:7f00:1]/hook',
  'http://[::ffff:169.254.169.254]/hook',
  'http://[fe80::1]/hook',
  'http://[fd00:ec2::254]/hook',
  'http://[fc00::1]/hook',
  'http://[ff02::1]/hook',
  'http://[64:ff9b::a9fe:a9fe]/hook',
  'http://[2002:7f00:1::]/hook',
  'http://localhost.partner.test/hook',
  'http://internal.partner.test/hook',
  'http://metadata.partner.test/hook',
  'http://cgnat.partner.test/hook',
  'http://mixed.partner.test/hook',
  'http://v6-loopback.partner.test/hook',
  'http://v6-mapped.partner.test/hook',
  'http://v6-ula.partner.test/hook',
  'http://v6-compatible.partner.test/hook',
  'http://v6-compatible-dotted.partner.test/hook',
  'http://v6-compatible-public.partner.test/hook',
];

describe('webhook destinations', () => {
  const guarded = sender();

  afterAll(() => guarded.close());

  it.each(REFUSED)('refuses %s before connecting', async (url) => {
    const response = await guarded.send({
      url,
      messageId: 'msg_1',
      secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`],
      body: '{}',
    });

    expect(response.statusCode).toBeUndefined();
    expect(response.errorCode).toBe('ERR_UNSAFE_DESTINATION');
    expect(response.error).toMatch(/webhooks go only to public addresses/);
  });

  it.each(['ftp://example.com/hook', 'file:///etc/passwd', 'gopher://example.com/'])(
    'refuses the %s scheme',
    async (url) => {
      const response = await guarded.send({
        url,
        messageId: 'm',
        secrets: [`whsec_${Buffer.alloc(32, 1).toString('base64')}`],
        body: '{}',
      });

      expect(response.error).toMatch(/URLs are not allowed; use https/);
    },
  );

  it('refuses plain http in production mode, and credentials in any URL', async () => {
    const strict = sender({ requireHttps: true });
    const secrets = [`whsec_${Buffer.alloc(32, 1).toString('base64')}`];

    expect(
      (await strict.send({ url: 'http://example.com/hook', messageId: 'm', secrets, body: '{}' }))
        .error,
    ).toMatch(/use an https URL/);
    expect(
      (
        await guarded.send({
          url: 'https://user:pw@example.com/',
          messageId: 'm',
          secrets,
          body: '{}',
        })
      ).error,
    ).toMatch(/Credentials/);
    await strict.close();
  });

  it.each(LOCAL_FORMS)('refuses %s at registration, before any lookup', (url) => {
    // Given the policy an endpoint is registered under, with nothing allowed
    const policy = { allowedNetworks: new AllowedNetworks([]), requireHttps: false, resolver };

    // When the URL is checked, Then it is refused as a non-public destination
    expect(() => checkUrl(url, policy)).toThrow(UnsafeDestinationError);
    expect(() => checkUrl(url, policy)).toThrow(/webhooks go only to public addresses/);
  });

  it.each([
    'http://hooks.partner.test/hook',
    'http://localhost.partner.test/hook',
    'http://mylocalhost/hook',
    'http://localhost.example.com/hook',
    'http://localhostx/hook',
  ])('leaves %s, a DNS name, to the check at connect time', (url) => {
    const policy = { allowedNetworks: new AllowedNetworks([]), requireHttps: false, resolver };

    expect(checkUrl(url, policy).href).toBe(new URL(url).href);
  });

  it('names the address a localhost name stands for when refusing it', () => {
    const policy = { allowedNetworks: new AllowedNetworks([]), requireHttps: false };

    expect(() => checkUrl('http://API.localhost./hook', policy)).toThrow(
      'api.localhost. (127.0.0.1) is a loopback address; webhooks go only to public addresses (an operator can allow networks with DELIVERY_ALLOWED_NETWORKS)',
    );
  });

  it('judges public addresses allowed and everything else by its range', () => {
    expect(checkAddress('93.184.216.34')).toEqual({ allowed: true, range: 'unicast' });
    expect(checkAddress('2606:4700:4700::1111')).toEqual({ allowed: true, range: 'unicast' });
    expect(checkAddress('169.254.169.254')).toEqual({ allowed: false, range: 'linkLocal' });
    expect(checkAddress('::ffff:10.0.0.1')).toEqual({ allowed: false, range: 'private' });
    expect(checkAddress('not an ip')).toEqual({ allowed: false, range: 'invalid' });
  });

  it.each(['::7f00:1', '::127.0.0.1', '::a00:1', '::808:808', '::8.8.8.8', '::2'])(
    'judges the IPv4-compatible %s non-public whatever it embeds',
    (ip) => {
      expect(checkAddress(ip)).toEqual({ allowed: false, range: 'ipv4Compatible' });
    },
  );

  it('keeps :: and ::1 as unspecified and loopback, not IPv4-compatible', () => {
    expect(checkAddress('::')).toEqual({ allowed: false, range: 'unspecified' });
    expect(checkAddress('::1')).toEqual({ allowed: false, range: 'loopback' });
  });

  it('lets an operator allow a network, such as loopback for local development', () => {
    const loopback = new AllowedNetworks(['127.0.0.0/8', '::1']);

    expect(checkAddress('127.0.0.1', loopback).allowed).toBe(true);
    expect(checkAddress('::ffff:127.0.0.1', loopback).allowed).toBe(true);
    expect(checkAddress('::1', loopback).allowed).toBe(true);
    expect(checkAddress('10.0.0.1', loopback).allowed).toBe(false);
  });

  it('allows localhost names only where both loopback addresses they stand for are allowed', () => {
    // Given one policy allowing 127.0.0.0/8 and ::1, and one allowing 127.0.0.0/8 alone
    const both = {
      allowedNetworks: new AllowedNetworks(['127.0.0.0/8', '::1']),
      requireHttps: false,
    };
    const v4Only = { allowedNetworks: new AllowedNetworks(['127.0.0.0/8']), requireHttps: false };

    // Then localhost names pass the first, and the second refuses them naming ::1
    expect(checkUrl('http://localhost:9000/hook', both).hostname).toBe('localhost');
    expect(checkUrl('http://a.b.LocalHost.:9000/hook', both).hostname).toBe('a.b.localhost.');
    expect(() => checkUrl('http://localhost:9000/hook', v4Only)).toThrow(
      /^localhost \(::1\) is a loopback address/,
    );
  });

  it('does not let an IPv4 allowance open the IPv4-compatible form of it; only an IPv6 one does', () => {
    const loopback = new AllowedNetworks(['127.0.0.0/8', '::1']);
    const compatible = new AllowedNetworks(['::127.0.0.1']);

    expect(checkAddress('::127.0.0.1', loopback).allowed).toBe(false);
    expect(checkAddress('::7f00:1', compatible).allowed).toBe(true);
    expect(checkAddress('::7f00:2', compatible).allowed).toBe(false);
    expect(checkAddress('::7f00:2', new AllowedNetworks(['::/96'])).allowed).toBe(true);
  });
});
