import 'reflect-metadata'; // @peculiar/x509's ASN.1 schemas need it loaded first.
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

/** A throwaway CA and a server certificate it signed, as PEM text for node:tls options. */
export interface TestCertificates {
  /** The CA certificate: what a client under test trusts (`ca`). */
  readonly caPem: string;
  /** The server certificate, for `localhost` and `127.0.0.1`. */
  readonly certPem: string;
  /** The server certificate's private key (PKCS#8). */
  readonly keyPem: string;
}

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

// Node's webcrypto is the Web Crypto API the library expects; the types differ only in name.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Makes a CA and a server certificate for `localhost` and `127.0.0.1`, so TLS fakes are checked
 * the way real servers are (no `rejectUnauthorized: false`): the client trusts only `caPem`.
 */
export async function makeTestCertificates(
  names: readonly string[] = ['localhost'],
  ips: readonly string[] = ['127.0.0.1'],
): Promise<TestCertificates> {
  const caKeys = await generateKeys();
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + DAY_MS);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Switchyard Test CA',
    keys: caKeys,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await generateKeys();
  const server = await x509.X509CertificateGenerator.create({
    subject: `CN=${names[0] ?? ips[0]}`,
    issuer: ca.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...names.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return {
    caPem: ca.toString('pem'),
    certPem: server.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
}
