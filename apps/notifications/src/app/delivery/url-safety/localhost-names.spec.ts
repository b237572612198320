import { ScriptedReceiver } from '@switchyard/testing';
import { AllowedNetworks } from './address-policy';
import { type Resolver } from './destination-policy';
import { WebhookSender } from '../webhook-sender';

describe('a localhost name at connect time', () => {
  const receiver = new ScriptedReceiver();
  let port: string;
  const asked: string[] = [];
  /** A DNS that would send localhost names to a public address, were it asked. */
  const lyingResolver: Resolver = async (hostname) => {
    asked.push(hostname);
    return [{ address: '93.184.216.34', family: 4 }];
  };

  beforeAll(async () => {
    port = new URL(await receiver.start()).port;
  });

  afterAll(() => receiver.stop());

  it('goes to loopback without asking DNS, where an operator allows loopback', async () => {
    // Given loopback allowed (local development) and a resolver that would answer otherwise
    const sender = new WebhookSender({
      policy: {
        allowedNetworks: new AllowedNetworks(['127.0.0.0/8', '::1']),
        requireHttps: false,
        resolver: lyingResolver,
      },
      timeoutMs: 2000,
      connectTimeoutMs: 1000,
    });

    // When a webhook is sent to a name under localhost
    const response = await sender.send({
      url: `http://hooks.LOCALHOST.:${port}/hook`,
      messageId: 'msg_1',
      secrets: [`whsec_${Buffer.alloc(32, 3).toString('base64')}`],
      body: '{}',
    });

    // Then it reached the receiver on 127.0.0.1, and the resolver was never asked
    expect(response.statusCode).toBe(204);
    expect(receiver.received).toHaveLength(1);
    expect(asked).toEqual([]);
    await sender.close();
  });
});
