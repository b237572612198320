export * from './lib/envelope';
export * from './lib/topics';
export * from './lib/order-events';
export * from './lib/payment-events';
export * from './lib/catalog';
export * from './lib/json-schema';
export * from './lib/contract-violation.error';
export * from './lib/event-patterns';
