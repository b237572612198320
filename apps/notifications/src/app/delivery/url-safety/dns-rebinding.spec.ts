import { ScriptedReceiver } from '@switchyard/testing';
import { type LookupAddress } from 'node:dns';
import { AllowedNetworks } from './address-policy';
import { WebhookSender } from '../webhook-sender';

describe('a host whose DNS answer changes between deliveries (rebinding)', () => {
  const receiver = new ScriptedReceiver();
  let port: string;
  let answer: LookupAddress[] = [{ address: '127.0.0.1', family: 4 }];

  beforeAll(async () => {
    port = new URL(await receiver.start()).port;
  });

  afterAll(() => receiver.stop());

  it('is checked again at every connection, on the address actually used', async () => {
    // Given loopback allowed (local development) and a name that first resolves there
    const sender = new WebhookSender({
      policy: {
        allowedNetworks: new AllowedNetworks(['127.0.0.0/8']),
        requireHttps: false,
        resolver: async () => answer,
      },
      timeoutMs: 2000,
      connectTimeoutMs: 1000,
    });
    const request = {
      url: `http://partner.rebind.test:${port}/hook`,
      messageId: 'msg_1',
      secrets: [`whsec_${Buffer.alloc(32, 2).toString('base64')}`],
      body: '{}',
    };
    expect((await sender.send(request)).statusCode).toBe(204);

    // When the name now resolves to a private address
    answer = [{ address: '10.0.0.1', family: 4 }];
    const second = await sender.send(request);

    // Then the delivery is refused before any connection is made
    expect(second.errorCode).toBe('ERR_UNSAFE_DESTINATION');
    expect(second.error).toContain('partner.rebind.test (10.0.0.1) is a private address');
    expect(receiver.received).toHaveLength(1);
    await sender.close();
  });
});
