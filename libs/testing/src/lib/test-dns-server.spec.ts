import { Resolver } from 'node:dns/promises';
import { TestDnsServer } from './test-dns-server';

describe('the DNS server used by the e2e tests', () => {
  const server = new TestDnsServer({
    'hooks.partner.test': { A: ['127.0.0.1'] },
    'dual.partner.test.': { A: ['93.184.216.34'], AAAA: ['2606:2800:220:1::1', '::1'] },
  });
  const resolver = new Resolver({ timeout: 1000, tries: 1 });

  beforeAll(async () => {
    resolver.setServers([await server.start()]);
  });

  afterAll(() => server.stop());

  it("answers a name's A records to Node's own resolver, in any letter case", async () => {
    // When Node's resolver asks for the A records of a known name
    const addresses = await resolver.resolve4('Hooks.Partner.TEST');

    // Then it gets them, and the server recorded the question
    expect(addresses).toEqual(['127.0.0.1']);
    expect(server.queries).toContainEqual({ name: 'hooks.partner.test', type: 'A' });
  });

  it('answers AAAA records, and an empty answer for a type the name has none of', async () => {
    expect(await resolver.resolve6('dual.partner.test')).toEqual(['2606:2800:220:1::1', '::1']);
    await expect(resolver.resolve6('hooks.partner.test')).rejects.toMatchObject({
      code: 'ENODATA',
    });
  });

  it('says a name it does not know does not exist', async () => {
    await expect(resolver.resolve4('elsewhere.partner.test')).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });
});
