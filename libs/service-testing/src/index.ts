export * from './lib/in-process-service';
