import { type LookupAddress } from 'node:dns';
import { AllowedNetworks, checkAddress } from './address-policy';
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

const REFUSED = [
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

  it('judges public addresses allowed and everything else by its range', () => {
    expect(checkAddress('93.184.216.34')).toEqual({ allowed: true, range: 'unicast' });
    expect(checkAddress('2606:4700:4700::1111')).toEqual({ allowed: true, range: 'unicast' });
    expect(checkAddress('169.254.169.254')).toEqual({ allowed: false, range: 'linkLocal' });
    expect(checkAddress('::ffff:10.0.0.1')).toEqual({ allowed: false, range: 'private' });
    expect(checkAddress('not an ip')).toEqual({ allowed: false, range: 'invalid' });
  });

  it('lets an operator allow a network, such as loopback for local development', () => {
    const loopback = new AllowedNetworks(['127.0.0.0/8', '::1']);

    expect(checkAddress('127.0.0.1', loopback).allowed).toBe(true);
    expect(checkAddress('::ffff:127.0.0.1', loopback).allowed).toBe(true);
    expect(checkAddress('::1', loopback).allowed).toBe(true);
    expect(checkAddress('10.0.0.1', loopback).allowed).toBe(false);
  });
});
