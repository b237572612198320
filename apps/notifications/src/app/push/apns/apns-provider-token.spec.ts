import { generateKeyPairSync, verify } from 'node:crypto';
import { ApnsKeyError, ApnsProviderToken, PROVIDER_TOKEN_REFRESH_MS } from './apns-provider-token';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

function tokenAt(clock: { now: number }): ApnsProviderToken {
  return new ApnsProviderToken({
    keyPem,
    keyId: 'ABC123DEFG',
    teamId: 'TEAM123456',
    clock: () => clock.now,
  });
}

function decode(jwt: string): { header: unknown; claims: unknown; signatureValid: boolean } {
  const [header, claims, signature] = jwt.split('.');
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString()),
    signatureValid: valid,
  };
}

describe('ApnsProviderToken', () => {
  it('is an ES256 JWT naming the key and team, signed by the .p8 key in the JWS (P1363) form', () => {
    // Given a token source at a known time
    const jwt = tokenAt({ now: T0 }).get();

    // When the token is decoded
    const { header, claims, signatureValid } = decode(jwt);

    // Then it carries exactly what APNs reads, and the public key verifies its signature
    expect(header).toEqual({ alg: 'ES256', kid: 'ABC123DEFG' });
    expect(claims).toEqual({ iss: 'TEAM123456', iat: T0 / 1000 });
    expect(signatureValid).toBe(true);
    expect(jwt).not.toMatch(/[=+/]/);
  });

  it('reuses one token for 20 minutes, then issues a new one dated now', () => {
    // Given a token issued at T0
    const clock = { now: T0 };
    const source = tokenAt(clock);
    const first = source.get();

    // When 20 minutes less a millisecond pass, then the last millisecond
    clock.now = T0 + PROVIDER_TOKEN_REFRESH_MS - 1;
    const stillFirst = source.get();
    clock.now = T0 + PROVIDER_TOKEN_REFRESH_MS;
    const second = source.get();

    // Then the first token served until then and the new one is dated 20 minutes later
    expect(stillFirst).toBe(first);
    expect(second).not.toBe(first);
    expect(decode(second).claims).toEqual({
      iss: 'TEAM123456',
      iat: (T0 + PROVIDER_TOKEN_REFRESH_MS) / 1000,
    });
  });

  it('replaces the token once however many sends report the same token expired', () => {
    // Given three sends that used the same token and were all refused as expired
    const clock = { now: T0 };
    const source = tokenAt(clock);
    const expired = source.get();

    // When each invalidates it, and each takes the token again in between
    source.invalidate(expired);
    const renewed = source.get();
    source.invalidate(expired);
    source.invalidate(expired);

    // Then one new token was issued and it stays current
    expect(renewed).not.toBe(expired);
    expect(source.get()).toBe(renewed);
    expect(decode(renewed).signatureValid).toBe(true);
  });

  it('refuses a key that is not an APNs EC P-256 key, without echoing the key', () => {
    // Given an RSA key and some text that is no key at all
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const build = (pem: string) => () =>
      new ApnsProviderToken({ keyPem: pem, keyId: 'K', teamId: 'T' });

    // Then both are refused with a message saying what to give
    expect(build(rsa)).toThrow(ApnsKeyError);
    expect(build(rsa)).toThrow(/EC P-256/);
    expect(build('not-a-secret-key')).toThrow(/\.p8 file/);
    expect(build('not-a-secret-key')).not.toThrow(/not-a-secret-key/);
  });

  it('keeps the key out of JSON', () => {
    // Given a token source
    const source = tokenAt({ now: T0 });

    // Then serialising it shows the ids only
    expect(JSON.stringify(source)).toBe('{"keyId":"ABC123DEFG","teamId":"TEAM123456"}');
  });
});
