export * from './lib/wait-for';
export * from './lib/test-database';
export * from './lib/test-kafka';
export * from './lib/partner-sink';
export * from './lib/service-process';
export * from './lib/stripe-events';
export * from './lib/test-data-source';
export * from './lib/topic-recorder';
