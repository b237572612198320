export * from './lib/retry-policy';
export * from './lib/retry-after';
export * from './lib/classify-outcome';
export * from './lib/dependency-failure';
export * from './lib/batch-failure';
