import fc from 'fast-check';
import Stripe from 'stripe';
import { codeOf } from './error-code.test-helper';
import { SignatureVerificationError } from './signature-verification.error';
import {
  generateStripeSignatureHeader,
  StripeSignatureVerifier,
  verifyStripeSignature,
} from './stripe-signature';

const stripe = new Stripe('sk_test_unused');
const secret = 'whsec_test_secret_for_unit_tests';
const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded' });
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('Stripe signatures: interoperability with the stripe package', () => {
  it('accepts a header built by stripe.webhooks.generateTestHeaderString', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret });

    expect(verifyStripeSignature(secret, header, Buffer.from(payload))).toBeGreaterThan(0);
  });

  it('builds headers that stripe.webhooks.constructEvent accepts', () => {
    const header = generateStripeSignatureHeader(secret, payload);

    expect(stripe.webhooks.constructEvent(payload, header, secret).id).toBe('evt_1');
  });

  it('agrees with constructEvent on arbitrary bodies', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2048 }), (body) => {
        const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret });
        expect(() => verifyStripeSignature(secret, header, body)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});

describe('Stripe signatures: what is refused', () => {
  const verifier = new StripeSignatureVerifier([secret]);

  it('accepts any of several active secrets, any of several v1 signatures, and ignores other schemes', () => {
    const t = nowSeconds();
    const good = generateStripeSignatureHeader(secret, payload, t).split(',')[1];
    const header = `t=${t},v1=${'0'.repeat(64)},${good},v0=abc,v9=zzz`;

    expect(
      codeOf(() => new StripeSignatureVerifier(['whsec_old', secret]).verify(header, payload)),
    ).toBe('no error');
  });

  it('refuses a forged signature, a replay, a future timestamp, a missing or garbled header', () => {
    const forged = generateStripeSignatureHeader('whsec_attacker', payload);
    const replayed = generateStripeSignatureHeader(secret, payload, nowSeconds() - 360);
    const future = generateStripeSignatureHeader(secret, payload, nowSeconds() + 360);

    expect(codeOf(() => verifier.verify(forged, payload))).toBe('no_matching_signature');
    expect(codeOf(() => verifier.verify(replayed, payload))).toBe('timestamp_too_old');
    expect(codeOf(() => verifier.verify(future, payload))).toBe('timestamp_in_future');
    expect(codeOf(() => verifier.verify(undefined, payload))).toBe('missing_header');
    expect(codeOf(() => verifier.verify('garbage', payload))).toBe('malformed_header');
    expect(codeOf(() => verifier.verify('t=123', payload))).toBe('malformed_header');
  });

  it('refuses a secret that is not a Stripe signing secret, saying where to find one', () => {
    expect(codeOf(() => new StripeSignatureVerifier('sk_live_123'))).toBe('invalid_secret');
    expect(() => new StripeSignatureVerifier([])).toThrow(/Stripe dashboard/);
  });

  it('refuses a header it did not sign, whatever it holds, only ever with its own error type', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), fc.string(), (header, body) => {
        // Given a Stripe-Signature header nobody signed with our secret
        // Then verifying it fails, with a SignatureVerificationError and nothing else
        expect(() => verifier.verify(header, body)).toThrow(SignatureVerificationError);
      }),
    );
  });
});
