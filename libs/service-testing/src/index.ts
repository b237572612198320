export * from './lib/in-process-service';
export * from './lib/test-publisher';
export * from './lib/request-probe';
