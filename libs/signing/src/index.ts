export * from './lib/signature-verification.error';
export * from './lib/standard-webhooks';
export * from './lib/stripe-signature';
export * from './lib/hmac-signature';
export { DEFAULT_TOLERANCE_SECONDS, type ToleranceOptions } from './lib/timestamp-tolerance';
export { type HeaderBag } from './lib/hmac';
