import fc from 'fast-check';
import {
  hashPassword,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  UNKNOWN_OPERATOR_HASH,
  verifyPassword,
} from './password';

describe('operator passwords', () => {
  it('verifies the password a hash was made from, and no other', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$15\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('salts every hash, so two operators with one password have different hashes', async () => {
    expect(await hashPassword('the same password')).not.toBe(
      await hashPassword('the same password'),
    );
  });

  it('treats a password typed in another Unicode form as the same password', async () => {
    const stored = await hashPassword('caf\u00e9 au lait, please');
    expect(await verifyPassword('cafe\u0301 au lait, please', stored)).toBe(true);
  });

  it('matches no password against the hash used for unknown operators', async () => {
    expect(await verifyPassword('', UNKNOWN_OPERATOR_HASH)).toBe(false);
    expect(await verifyPassword('anything at all', UNKNOWN_OPERATOR_HASH)).toBe(false);
  });

  it('refuses stored values that are not its hashes instead of throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (stored) => {
        expect(await verifyPassword('password', stored)).toBe(false);
      }),
      { numRuns: 200 },
    );
    expect(await verifyPassword('password', 'scrypt$99$8$1$AAAA$AAAA')).toBe(false);
  });

  it('says what a new password lacks', () => {
    expect(passwordProblem('short')).toBe(`must be at least ${MIN_PASSWORD_LENGTH} characters`);
    expect(passwordProblem('x'.repeat(300))).toBe('must be at most 256 characters');
    expect(passwordProblem('a long enough passphrase')).toBeNull();
  });
});
