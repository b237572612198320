import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { HmacSchemes, HmacSignatureVerifier } from './hmac-signature';
import { codeOf } from './error-code.test-helper';
import { SignatureVerificationError } from './signature-verification.error';

const body = '{"action":"opened","number":1}';

describe('generic HMAC signatures (configured per provider)', () => {
  it("verifies GitHub's X-Hub-Signature-256: sha256=<hex>, computed independently", () => {
    const signature = `sha256=${createHmac('sha256', 'gh-secret').update(body).digest('hex')}`;

    expect(
      codeOf(() =>
        new HmacSignatureVerifier(HmacSchemes.github, 'gh-secret').verify(
          { 'x-hub-signature-256': signature },
          body,
        ),
      ),
    ).toBe('no error');
  });

  it("verifies Shopify's X-Shopify-Hmac-Sha256: <base64>, computed independently", () => {
    const signature = createHmac('sha256', 'shop-secret').update(body).digest('base64');

    expect(
      codeOf(() =>
        new HmacSignatureVerifier(HmacSchemes.shopify, 'shop-secret').verify(
          { 'x-shopify-hmac-sha256': signature },
          body,
        ),
      ),
    ).toBe('no error');
  });

  it('accepts any of several secrets during rotation', () => {
    const signature = new HmacSignatureVerifier(HmacSchemes.github, 'new').sign(body);

    expect(
      codeOf(() =>
        new HmacSignatureVerifier(HmacSchemes.github, ['old', 'new']).verify(
          { 'x-hub-signature-256': signature },
          body,
        ),
      ),
    ).toBe('no error');
  });

  it('names a missing header, a wrong prefix, a wrong signature and an empty secret', () => {
    const github = new HmacSignatureVerifier(HmacSchemes.github, 'gh-secret');
    const digest = createHmac('sha256', 'gh-secret').update(body).digest('hex');

    expect(codeOf(() => github.verify({}, body))).toBe('missing_header');
    expect(codeOf(() => github.verify({ 'x-hub-signature-256': `sha1=${digest}` }, body))).toBe(
      'malformed_header',
    );
    expect(
      codeOf(() => github.verify({ 'x-hub-signature-256': `sha256=${digest}` }, `${body} `)),
    ).toBe('no_matching_signature');
    expect(codeOf(() => new HmacSignatureVerifier(HmacSchemes.github, ''))).toBe('invalid_secret');
  });

  it('verifies whatever it signs, and refuses any other header with its own error type', () => {
    const shopify = new HmacSignatureVerifier(HmacSchemes.shopify, 'k');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (bytes, header) => {
        // Given any body and its signature, and any other header
        const raw = Buffer.from(bytes);
        const signature = shopify.sign(raw);
        fc.pre(header !== signature);

        // Then the signature verifies, and the other header is refused as a verification failure
        expect(codeOf(() => shopify.verify({ 'x-shopify-hmac-sha256': signature }, raw))).toBe(
          'no error',
        );
        expect(() => shopify.verify({ 'x-shopify-hmac-sha256': header }, raw)).toThrow(
          SignatureVerificationError,
        );
      }),
    );
  });
});
