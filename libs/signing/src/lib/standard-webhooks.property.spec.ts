import fc from 'fast-check';
import { SignatureVerificationError } from './signature-verification.error';
import { StandardWebhook } from './standard-webhooks';

const secretArb = fc
  .uint8Array({ minLength: 24, maxLength: 64 })
  .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`);
const idArb = fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !/[\s]/.test(s));
const bodyArb = fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b));
const nowMs = Date.parse('2026-06-01T12:00:00Z');
const now = () => nowMs;
const timestamp = Math.floor(nowMs / 1000);

describe('Standard Webhooks properties', () => {
  it('verifies whatever it signs: any body, id and secret', () => {
    fc.assert(
      fc.property(secretArb, idArb, bodyArb, (secret, id, body) => {
        const webhook = new StandardWebhook(secret);
        const headers = webhook.sign(id, timestamp, body);
        expect(() => webhook.verify(headers, body, { now })).not.toThrow();
      }),
    );
  });

  it('refuses the message when any byte of the body changes', () => {
    fc.assert(
      fc.property(
        secretArb,
        idArb,
        bodyArb.filter((b) => b.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (secret, id, body, at, flip) => {
          const webhook = new StandardWebhook(secret);
          const headers = webhook.sign(id, timestamp, body);
          const tampered = Buffer.from(body);
          const index = at % tampered.length;
          tampered[index] = (tampered[index] as number) ^ flip;
          expect(() => webhook.verify(headers, tampered, { now })).toThrow(
            SignatureVerificationError,
          );
        },
      ),
    );
  });

  it('refuses the message when the id or the timestamp changes', () => {
    fc.assert(
      fc.property(
        secretArb,
        idArb,
        idArb,
        bodyArb,
        fc.integer({ min: 1, max: 200 }),
        (secret, id, otherId, body, skew) => {
          fc.pre(id !== otherId);
          const webhook = new StandardWebhook(secret);
          const headers = webhook.sign(id, timestamp, body);
          expect(() =>
            webhook.verify({ ...headers, 'webhook-id': otherId }, body, { now }),
          ).toThrow(SignatureVerificationError);
          expect(() =>
            webhook.verify({ ...headers, 'webhook-timestamp': String(timestamp + skew) }, body, {
              now,
            }),
          ).toThrow(SignatureVerificationError);
        },
      ),
    );
  });

  it('refuses headers it did not sign, whatever they hold, only ever with its own error type', () => {
    const webhook = new StandardWebhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    const headerArb = fc.option(fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 })), {
      nil: undefined,
    });
    fc.assert(
      fc.property(headerArb, headerArb, headerArb, fc.string(), (id, ts, sig, body) => {
        // Given headers nobody signed with this secret
        const headers = { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig };

        // Then verifying them fails, with a SignatureVerificationError and nothing else
        expect(() => webhook.verify(headers, body, { now })).toThrow(SignatureVerificationError);
      }),
    );
  });
});
