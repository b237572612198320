import { Webhook as StandardWebhooksReference } from 'standardwebhooks';
import { Webhook as Svix } from 'svix';
import { codeOf } from './error-code.test-helper';
import {
  decodeSecret,
  generateSecret,
  signStandardWebhook,
  StandardWebhook,
  verifyStandardWebhook,
} from './standard-webhooks';

const body = JSON.stringify({ type: 'order.paid', data: { orderId: 'o-1', amount: 1999 } });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('Standard Webhooks: interoperability with libraries we did not write', () => {
  it('signs so that the standardwebhooks package verifies the message', () => {
    const secret = generateSecret();
    const headers = signStandardWebhook(secret, 'msg_1', nowSeconds(), body);

    expect(new StandardWebhooksReference(secret).verify(body, { ...headers })).toEqual(
      JSON.parse(body),
    );
  });

  it('signs so that the svix package verifies the message', () => {
    const secret = generateSecret();
    const headers = signStandardWebhook(secret, 'msg_svix', nowSeconds(), body);

    expect(new Svix(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('verifies what the standardwebhooks package signs', () => {
    const secret = generateSecret();
    const at = new Date();
    const headers = {
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new StandardWebhooksReference(secret).sign('msg_2', at, body),
    };

    expect(() => verifyStandardWebhook(secret, headers, Buffer.from(body))).not.toThrow();
  });

  it('verifies what the svix package signs', () => {
    const secret = generateSecret();
    const at = new Date();
    const headers = {
      'webhook-id': 'msg_3',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Svix(secret).sign('msg_3', at, body),
    };

    expect(() => verifyStandardWebhook(secret, headers, body)).not.toThrow();
  });

  it('during rotation signs with every secret, and a receiver holding either one accepts', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const headers = new StandardWebhook([oldSecret, newSecret]).sign('msg_4', nowSeconds(), body);

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() =>
      new StandardWebhooksReference(oldSecret).verify(body, { ...headers }),
    ).not.toThrow();
    expect(() => new Svix(newSecret).verify(body, { ...headers })).not.toThrow();
  });

  it('accepts a header of several signatures when any one matches any of its secrets', () => {
    const [a, b, c] = [generateSecret(), generateSecret(), generateSecret()];
    const headers = new StandardWebhook([a, b]).sign('msg_5', nowSeconds(), body);

    expect(() => new StandardWebhook([c, b]).verify(headers, body)).not.toThrow();
    expect(codeOf(() => new StandardWebhook(c).verify(headers, body))).toBe(
      'no_matching_signature',
    );
  });
});

describe('Standard Webhooks: what it refuses, and how it says so', () => {
  const secret = generateSecret();
  const webhook = new StandardWebhook(secret);

  it('does not accept a body changed after signing', () => {
    const headers = webhook.sign('msg_6', nowSeconds(), body);

    expect(codeOf(() => webhook.verify(headers, body.replace('1999', '1')))).toBe(
      'no_matching_signature',
    );
  });

  it('rejects timestamps beyond the default five minutes on either side, and accepts them within', () => {
    const now = nowSeconds();

    expect(codeOf(() => webhook.verify(webhook.sign('m', now - 360, body), body))).toBe(
      'timestamp_too_old',
    );
    expect(codeOf(() => webhook.verify(webhook.sign('m', now + 360, body), body))).toBe(
      'timestamp_in_future',
    );
    expect(codeOf(() => webhook.verify(webhook.sign('m', now - 290, body), body))).toBe('no error');
    expect(codeOf(() => webhook.verify(webhook.sign('m', now + 290, body), body))).toBe('no error');
  });

  it('honours a configured tolerance', () => {
    const headers = webhook.sign('m', nowSeconds() - 30, body);

    expect(codeOf(() => webhook.verify(headers, body, { toleranceSeconds: 10 }))).toBe(
      'timestamp_too_old',
    );
  });

  it.each([
    ['webhook-id', 'missing_header'],
    ['webhook-timestamp', 'missing_header'],
    ['webhook-signature', 'missing_header'],
  ])('names a missing %s header', (name, code) => {
    const headers: Record<string, string> = { ...webhook.sign('m', nowSeconds(), body) };
    delete headers[name];

    expect(codeOf(() => webhook.verify(headers, body))).toBe(code);
  });

  it('calls a header without a v1 signature, or a timestamp that is not a number, malformed', () => {
    const headers = webhook.sign('m', nowSeconds(), body);

    expect(codeOf(() => webhook.verify({ ...headers, 'webhook-signature': 'v2,abc' }, body))).toBe(
      'malformed_header',
    );
    expect(
      codeOf(() => webhook.verify({ ...headers, 'webhook-timestamp': 'yesterday' }, body)),
    ).toBe('malformed_header');
  });

  it.each([
    ['no prefix', 'c2VjcmV0'],
    ['a key shorter than 24 bytes', `whsec_${Buffer.alloc(16, 1).toString('base64')}`],
    ['a key longer than 64 bytes', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
    ['text that is not base64', 'whsec_not base64!'],
  ])('refuses a secret with %s, saying what a secret looks like', (_label, bad) => {
    expect(codeOf(() => new StandardWebhook(bad))).toBe('invalid_secret');
    expect(() => decodeSecret(bad)).toThrow(
      /"whsec_" followed by the base64 of 24 to 64 random bytes/,
    );
  });

  it('generates secrets of 24 to 64 bytes that it accepts', () => {
    expect(decodeSecret(generateSecret())).toHaveLength(32);
    expect(decodeSecret(generateSecret(24))).toHaveLength(24);
    expect(decodeSecret(generateSecret(64))).toHaveLength(64);
    expect(() => generateSecret(16)).toThrow(RangeError);
  });
});
