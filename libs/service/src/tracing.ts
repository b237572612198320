// Imported first by every service's main file, before anything loads `http` or `pg`: see
// startTracing. Kept apart from the package index, which loads Nest, TypeORM and pg.
export { startTracing, stopTracing, tracingConfigured } from './lib/tracing/tracing-sdk';
