import { TestDnsServer } from '@switchyard/testing';
import { AllowedNetworks } from './address-policy';
import { dnsServersResolver, isDnsServerAddress } from './dns-servers-resolver';
import { WebhookSender } from '../webhook-sender';

describe('resolving delivery host names with configured DNS servers', () => {
  const dns = new TestDnsServer({
    'hooks.partner.test': { A: ['127.0.0.1'] },
    'dual.partner.test': { A: ['93.184.216.34'], AAAA: ['2606:2800:220:1::1'] },
    'v6only.partner.test': { AAAA: ['fd00::1'] },
  });
  let server: string;

  beforeAll(async () => {
    server = await dns.start();
  });

  afterAll(() => dns.stop());

  it('asks those servers for A and AAAA records, IPv4 first', async () => {
    const resolve = dnsServersResolver([server], { timeoutMs: 1000 });

    expect(await resolve('dual.partner.test')).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    expect(await resolve('v6only.partner.test')).toEqual([{ address: 'fd00::1', family: 6 }]);
    expect(await resolve('unknown.partner.test')).toEqual([]);
  });

  it('refuses a delivery to a name those servers point at loopback, naming the name and the address', async () => {
    // Given a sender that resolves with the test server and allows nothing beyond public addresses
    const sender = new WebhookSender({
      policy: {
        allowedNetworks: new AllowedNetworks([]),
        requireHttps: false,
        resolver: dnsServersResolver([server], { timeoutMs: 1000 }),
      },
      timeoutMs: 2000,
      connectTimeoutMs: 1000,
    });

    // When it sends to a name that resolves to 127.0.0.1
    const response = await sender.send({
      url: 'http://hooks.partner.test:9/hook',
      messageId: 'msg_1',
      secrets: [`whsec_${Buffer.alloc(32, 4).toString('base64')}`],
      body: '{}',
    });

    // Then the connection is refused by the guard, not by the network
    expect(response.errorCode).toBe('ERR_UNSAFE_DESTINATION');
    expect(response.error).toContain('hooks.partner.test (127.0.0.1) is a loopback address');
    await sender.close();
  });

  it('fails with the DNS error when no server answers', async () => {
    // Given a port where no DNS server listens
    const silent = new TestDnsServer({});
    const address = await silent.start();
    await silent.stop();
    const resolve = dnsServersResolver([address], { timeoutMs: 200 });

    await expect(resolve('hooks.partner.test')).rejects.toMatchObject({
      code: expect.stringMatching(/^E(CONNREFUSED|TIMEOUT)$/),
    });
  });

  it.each([
    ['10.0.0.2', true],
    ['10.0.0.2:5353', true],
    ['2001:db8::53', true],
    ['[2001:db8::53]:5353', true],
    ['dns.google', false],
    ['10.0.0.2:0', false],
    ['10.0.0.2:99999', false],
    ['[10.0.0.2]:53', false],
    ['2001:db8::53:', false],
    ['10.0.0', false],
  ])('takes %s as a DNS server: %s', (entry, valid) => {
    expect(isDnsServerAddress(entry)).toBe(valid);
  });
});
