import Stripe from 'stripe';
import { SignatureVerificationError } from './signature-verification.error';
import { generateStripeSignatureHeader, verifyStripeSignature } from './stripe-signature';

const stripe = new Stripe('sk_test_unused');
const secret = 'whsec_test_secret_for_unit_tests';
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded' });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SignatureVerificationError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('Stripe signature verification', () => {
  it('accepts a header built by the stripe package', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret });

    expect(() => verifyStripeSignature(secret, header, Buffer.from(payload))).not.toThrow();
  });

  it('builds headers that stripe.webhooks.constructEvent accepts', () => {
    const header = generateStripeSignatureHeader(secret, payload);

    expect(stripe.webhooks.constructEvent(payload, header, secret).id).toBe('evt_1');
  });

  it('accepts any of several active secrets, ignoring unknown schemes', () => {
    const header = `${generateStripeSignatureHeader(secret, payload)},v0=abc`;

    expect(() =>
      verifyStripeSignature(['whsec_other', secret], header, Buffer.from(payload)),
    ).not.toThrow();
  });

  it('does not accept a forged signature, a replay, or a missing header', () => {
    const forged = generateStripeSignatureHeader('whsec_attacker', payload);
    const stale = generateStripeSignatureHeader(
      secret,
      payload,
      Math.floor(Date.now() / 1000) - 400,
    );

    expect(codeOf(() => verifyStripeSignature(secret, forged, payload))).toBe(
      'no_matching_signature',
    );
    expect(codeOf(() => verifyStripeSignature(secret, stale, payload))).toBe('timestamp_too_old');
    expect(codeOf(() => verifyStripeSignature(secret, undefined, payload))).toBe('missing_header');
    expect(codeOf(() => verifyStripeSignature(secret, 'garbage', payload))).toBe(
      'malformed_header',
    );
  });
});
