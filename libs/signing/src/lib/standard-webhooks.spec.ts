import { Webhook } from 'standardwebhooks';
import { SignatureVerificationError } from './signature-verification.error';
import { generateSecret, signStandardWebhook, verifyStandardWebhook } from './standard-webhooks';

const body = JSON.stringify({ type: 'order.paid', data: { orderId: 'o-1', amount: 1999 } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SignatureVerificationError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('Standard Webhooks signing', () => {
  it('signs so that the standardwebhooks reference library verifies the message', () => {
    const secret = generateSecret();
    const headers = signStandardWebhook(secret, 'msg_1', nowSeconds(), body);

    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('verifies what the reference library signs', () => {
    const secret = generateSecret();
    const timestamp = new Date();
    const signature = new Webhook(secret).sign('msg_2', timestamp, body);
    const headers = {
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    };

    expect(() => verifyStandardWebhook(secret, headers, Buffer.from(body))).not.toThrow();
  });

  it('during rotation signs with every secret, and a receiver with either one accepts', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const headers = signStandardWebhook([oldSecret, newSecret], 'msg_3', nowSeconds(), body);

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
  });

  it('does not accept a body changed after signing', () => {
    const secret = generateSecret();
    const headers = signStandardWebhook(secret, 'msg_4', nowSeconds(), body);

    expect(codeOf(() => verifyStandardWebhook(secret, headers, body.replace('1999', '1')))).toBe(
      'no_matching_signature',
    );
  });

  it('rejects timestamps beyond the tolerance on either side', () => {
    const secret = generateSecret();
    const old = signStandardWebhook(secret, 'msg_5', nowSeconds() - 301, body);
    const future = signStandardWebhook(secret, 'msg_5', nowSeconds() + 301, body);

    expect(codeOf(() => verifyStandardWebhook(secret, old, body))).toBe('timestamp_too_old');
    expect(codeOf(() => verifyStandardWebhook(secret, future, body))).toBe('timestamp_in_future');
  });

  it('names a missing header and a malformed secret', () => {
    const secret = generateSecret();

    expect(codeOf(() => verifyStandardWebhook(secret, {}, body))).toBe('missing_header');
    expect(codeOf(() => signStandardWebhook('whsec_short', 'm', nowSeconds(), body))).toBe(
      'invalid_secret',
    );
  });
});
