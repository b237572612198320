export * from './lib/in-process-service';
export * from './lib/test-publisher';
export * from './lib/request-probe';
export * from './lib/openapi-checks';
export * from './lib/openapi-suite';
export * from './lib/documented-refusals';
