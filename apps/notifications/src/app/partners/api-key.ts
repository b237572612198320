import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'sy_';

/** A new partner API key: shown once, stored only as its hash. */
export function generateApiKey(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/** SHA-256 suffices: keys are 256 random bits, so there is nothing to brute-force slowly. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}
