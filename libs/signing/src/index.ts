export * from './lib/signature-verification.error';
export * from './lib/standard-webhooks';
export * from './lib/stripe-signature';
