export * from './lib/wait-for';
export * from './lib/test-database';
export * from './lib/test-kafka';
export * from './lib/partner-sink';
export * from './lib/service-process';
export * from './lib/stripe-events';
