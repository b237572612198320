import { generateSecret, signStandardWebhook } from '@switchyard/signing';
import { PartnerSink } from './partner-sink';
import { waitFor } from './wait-for';

describe('the partner sink used by the e2e tests', () => {
  const sink = new PartnerSink();
  const secret = generateSecret();
  let url: string;

  beforeAll(async () => {
    url = await sink.start();
    sink.useSecret(secret);
  });

  afterAll(() => sink.stop());

  async function post(headers: Record<string, string>, body: string): Promise<number> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return res.status;
  }

  it('accepts and records a correctly signed webhook as verified', async () => {
    const body = JSON.stringify({ type: 'order.paid', subject: 'o-1' });
    const headers = signStandardWebhook(secret, 'msg_ok', Math.floor(Date.now() / 1000), body);

    expect(await post(headers, body)).toBe(204);

    const received = await waitFor('the webhook', () =>
      sink.received.find((w) => w.headers['webhook-id'] === 'msg_ok'),
    );
    expect(received.verified).toEqual({
      ok: true,
      payload: { type: 'order.paid', subject: 'o-1' },
    });
  });

  it('records a webhook signed with another secret as not verified', async () => {
    const body = JSON.stringify({ type: 'order.paid' });
    const headers = signStandardWebhook(
      generateSecret(),
      'msg_forged',
      Math.floor(Date.now() / 1000),
      body,
    );

    await post(headers, body);

    const received = await waitFor('the webhook', () =>
      sink.received.find((w) => w.headers['webhook-id'] === 'msg_forged'),
    );
    expect(received.verified.ok).toBe(false);
  });
});

describe('waitFor', () => {
  it('names what it waited for when it times out', async () => {
    await expect(
      waitFor('the moon to turn blue', () => false, { timeoutMs: 50, intervalMs: 10 }),
    ).rejects.toThrow('Timed out after 50 ms waiting for the moon to turn blue');
  });
});
