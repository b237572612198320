import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { parseServiceAccount, ServiceAccountError } from './service-account';

const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const keyFile = (overrides: Record<string, unknown> = {}): string =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'switchyard-test',
    private_key_id: 'abc123',
    private_key: rsaPem,
    client_email: 'push@switchyard-test.iam.gserviceaccount.com',
    token_uri: 'https://oauth2.googleapis.com/token',
    ...overrides,
  });

/** The key's base64 body, which no message may contain any part of. */
const keyBody = rsaPem.split('\n')[1];

function refusal(text: string): ServiceAccountError {
  try {
    parseServiceAccount(text, 'FCM_SERVICE_ACCOUNT');
  } catch (err) {
    if (err instanceof ServiceAccountError) return err;
    throw err;
  }
  throw new Error('expected the key file to be refused');
}

describe('service-account key file', () => {
  it('reads the project, the account, the token endpoint and an RSA key from a Google key file', () => {
    // Given a key file as Google's console downloads it
    // When it is parsed
    const account = parseServiceAccount(keyFile());

    // Then the fields the FCM client needs are there, the key as a KeyObject
    expect(account).toMatchObject({
      projectId: 'switchyard-test',
      clientEmail: 'push@switchyard-test.iam.gserviceaccount.com',
      tokenUri: 'https://oauth2.googleapis.com/token',
    });
    expect(account.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it('never prints the private key, even when the parsed account is logged', () => {
    // Given a parsed account
    const account = parseServiceAccount(keyFile());

    // When it is inspected or serialised, as a logger would
    const printed = `${inspect(account, { depth: 5 })} ${JSON.stringify(account)}`;

    // Then no part of the key appears
    expect(printed).not.toContain(keyBody);
  });

  it.each([
    ['a missing client_email', { client_email: undefined }, 'client_email'],
    ['a missing private_key', { private_key: undefined }, 'private_key'],
    ['a missing token_uri', { token_uri: undefined }, 'token_uri'],
    ['a missing project_id', { project_id: undefined }, 'project_id'],
    ['an OAuth client file', { type: 'authorized_user' }, 'service_account'],
    ['a PKCS#1 key', { private_key: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n' }, 'PKCS#8'],
  ])('refuses %s, naming the field and how to get a good file', (_case, overrides, named) => {
    // Given a key file with a field wrong
    // When it is parsed
    const error = refusal(keyFile(overrides));

    // Then the error names the field, the source, and how to fix it
    expect(error.message).toContain(named);
    expect(error.message).toContain('FCM_SERVICE_ACCOUNT');
    expect(error.message).toContain('Add key > JSON');
  });

  it('refuses a key that does not parse without quoting it', () => {
    // Given a key file whose PEM body was damaged (e.g. newlines lost in an env variable)
    const damaged = rsaPem.replace(/\n/g, ' ');

    // When it is parsed
    const error = refusal(keyFile({ private_key: damaged }));

    // Then the error says so, and no part of the key is in it
    expect(error.message).toMatch(/private_key does not parse/);
    expect(error.message).not.toContain(keyBody.slice(0, 20));
  });

  it('refuses a key file that is not JSON without quoting its text', () => {
    // Given a key file cut short in the middle of the key
    const cut = keyFile().slice(0, 200);

    // When it is parsed
    const error = refusal(cut);

    // Then the error says it is not JSON, with no excerpt of the text
    expect(error.message).toMatch(/not valid JSON/);
    expect(error.message).not.toContain('MII');
  });

  it('refuses a non-RSA key, since assertions are signed RS256', () => {
    // Given a key file holding an EC key
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();

    // When it is parsed
    const error = refusal(keyFile({ private_key: ecPem }));

    // Then the error says RSA is needed
    expect(error.message).toMatch(/ec key.*RS256.*RSA/);
  });
});
