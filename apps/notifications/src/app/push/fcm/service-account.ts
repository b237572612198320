import { createPrivateKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** A Google service account as the FCM client uses it. The private key never leaves KeyObject. */
export interface ServiceAccount {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly tokenUri: string;
  /** A KeyObject rather than the PEM text: printing it shows the key type, not the key. */
  readonly privateKey: KeyObject;
}

/** The key file could not be used; the message says which field and what to do, never the key. */
export class ServiceAccountError extends Error {
  override readonly name = 'ServiceAccountError';
}

const HOW_TO_FIX =
  'Download a new JSON key for the service account (Google Cloud console > IAM & Admin > ' +
  'Service accounts > Keys > Add key > JSON) and give the whole file, unchanged.';

const KeyFile = z.object({
  type: z.literal('service_account', {
    error: 'must be "service_account" (an OAuth client or user credentials file will not do)',
  }),
  project_id: z.string({ error: 'is missing' }).min(1, 'is empty'),
  client_email: z.email({ error: 'is missing or not an e-mail address' }),
  private_key: z
    .string({ error: 'is missing' })
    .includes('-----BEGIN PRIVATE KEY-----', { error: 'is not a PKCS#8 PEM private key' }),
  token_uri: z.url({ protocol: /^https?$/, error: 'is missing or not an http(s) URL' }),
});

/**
 * Parses the text of a service-account JSON key file. `source` names the file in messages
 * (e.g. the environment variable it came from).
 */
export function parseServiceAccount(
  text: string,
  source = 'the service-account key file',
): ServiceAccount {
  const parsed = KeyFile.safeParse(parseJson(text, source));
  if (!parsed.success) {
    // Only the paths and our own messages: zod's issues could otherwise carry the input.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'} ${i.message}`);
    throw new ServiceAccountError(`${source} is not usable: ${problems.join('; ')}. ${HOW_TO_FIX}`);
  }
  const file = parsed.data;
  return {
    projectId: file.project_id,
    clientEmail: file.client_email,
    tokenUri: file.token_uri,
    privateKey: rsaPrivateKey(file.private_key, source),
  };
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // V8's message quotes the text near the error, which may be the private key.
    throw new ServiceAccountError(`${source} is not valid JSON. ${HOW_TO_FIX}`);
  }
}

function rsaPrivateKey(pem: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ServiceAccountError(
      `${source}: private_key does not parse as a PEM private key (the newlines must be kept, ` +
        `as \\n in the JSON). ${HOW_TO_FIX}`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ServiceAccountError(
      `${source}: private_key is a ${key.asymmetricKeyType ?? 'non-RSA'} key; Google signs ` +
        `service-account assertions with RS256, which needs RSA. ${HOW_TO_FIX}`,
    );
  }
  return key;
}
